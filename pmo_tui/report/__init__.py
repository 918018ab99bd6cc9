"""Progress reports: json, md, html, xlsx from one computation."""
