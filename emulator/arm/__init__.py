"""Emulated Azure Resource Manager for the resource types the toolkit uses."""
