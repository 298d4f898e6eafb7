"""The team's graphs: the supervisor with its writer, and each specialist on its own."""
