"""The columns of posts this release reads: revision a1's."""
READ = ["id", "title", "body"]
