"""Evaluation of services with a closed loop (好差评): ratings, rectification work orders, statistics."""
