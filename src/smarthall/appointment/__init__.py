"""智能预约: slots, bookings, check-in, credit rule."""
