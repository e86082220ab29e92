"""Rules: declarative packs (rules/*.yaml) bound to check functions registered here."""
