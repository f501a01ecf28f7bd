"""The emulated Azure OpenAI realtime data plane."""
