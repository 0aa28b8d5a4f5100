"""Training the drawn network: data sets (torch-free) and, later, the trainer."""
