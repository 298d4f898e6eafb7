"""Who is calling: credentials in, `Principal` out."""
