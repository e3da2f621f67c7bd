"""Global search: one box that finds jobs, vehicles, customers and invoices by what people remember of them."""
