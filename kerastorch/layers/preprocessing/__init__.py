"""Preprocessing layers that live in the model and save with it."""
