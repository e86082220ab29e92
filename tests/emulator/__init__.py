"""A local GitHub REST emulator for the App and Action tests."""

from emulator.server import BOT_LOGIN, FIXTURES, GitHubEmulator, Recorded, fixture

__all__ = ["BOT_LOGIN", "FIXTURES", "GitHubEmulator", "Recorded", "fixture"]
