"""Import from an earlier system: CSV/XLSX of customers, vehicles, service history and stock items (docs/import.md)."""
