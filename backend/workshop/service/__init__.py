"""Workshop services, split by subject: jobs (the card and its status machine), tasks (catalog and job tasks),
clock (technician time), parts (parts requests). `common` holds what they share."""
