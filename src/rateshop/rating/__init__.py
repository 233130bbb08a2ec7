"""Rating: compile manuals into plans and rate risks, one at a time or a whole book at once."""
