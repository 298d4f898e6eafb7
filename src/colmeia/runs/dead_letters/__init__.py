"""The dead-letter list: runs that used up their attempts, for admins to inspect and re-drive."""
