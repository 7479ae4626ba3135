"""Residents talk to the community by chat: one dialog engine, aiogram and python-telegram-bot adapters."""
