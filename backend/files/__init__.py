"""Files attached to a job, a vehicle or a customer: photos and documents, stored through a storage adapter and
served only from short-lived signed links scoped to the garage (issue 15)."""
