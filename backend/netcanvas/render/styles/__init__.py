"""One module per drawing style; each turns a graph and its analysis into a Scene."""
