//! Loading the bundled dataset (and user list files) into the entity graph for the commands.
