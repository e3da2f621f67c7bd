"""Digital vehicle inspections: templates per garage, inspections on a job, results with photos (issue 15)."""
