"""The supervision service's documents: printed forms (DocumentSpec) and exported workbooks, one module per area."""
