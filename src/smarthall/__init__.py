"""smarthall."""
