"""The columns of posts this release reads: it adds subtitle (revision a2)."""
READ = ["id", "title", "body", "subtitle"]
