"""The columns of posts this release reads: no longer body, which revision a3 drops."""
READ = ["id", "title", "subtitle"]
