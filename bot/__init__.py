"""Residents talk to the community by chat: an engine, one module per conversation flow, Telegram adapters."""
