"""The boards a new installation starts with (admins edit them afterwards)."""

from __future__ import annotations

from typing import TypedDict


class Text(TypedDict):
    name: str
    description: str


class DefaultBoard(TypedDict):
    slug: str
    texts: dict[str, Text]  # by language code (portal.i18n.LANGUAGES)


DEFAULT_BOARDS: list[DefaultBoard] = [
    {
        "slug": "hot-och-trakasserier",
        "texts": {
            "sv": {
                "name": "Hot och trakasserier",
                "description": "När någon hotat, trakasserat eller hängt ut dig i arbetet.",
            },
            "en": {
                "name": "Threats and harassment",
                "description": "When someone threatened, harassed or exposed you at work.",
            },
        },
    },
    {
        "slug": "pressade-beslut",
        "texts": {
            "sv": {
                "name": "Påtryckningar i beslut",
                "description": "Försök att påverka beslut: erbjudanden, tjat, tryck från grupper eller kollegor.",
            },
            "en": {
                "name": "Pressure in decisions",
                "description": "Attempts to sway decisions: offers, nagging, pressure from groups or colleagues.",
            },
        },
    },
    {
        "slug": "efter-en-handelse",
        "texts": {
            "sv": {
                "name": "Efter en händelse",
                "description": "Hur det kändes efteråt, och vad som hjälpte.",
            },
            "en": {
                "name": "After an incident",
                "description": "How it felt afterwards, and what helped.",
            },
        },
    },
    {
        "slug": "stod-och-rad",
        "texts": {
            "sv": {
                "name": "Stöd och råd",
                "description": "Frågor och tips: rutiner, polisanmälan, skyddat boende för personal, samtalsstöd.",
            },
            "en": {
                "name": "Support and advice",
                "description": "Questions and tips: procedures, reporting to the police, protection, counselling.",
            },
        },
    },
]

# Pseudonyms for forum codes: an adjective and an animal, e.g. "Tyst Räv".
ADJECTIVES = [
    "Tyst",
    "Modig",
    "Lugn",
    "Klok",
    "Stilla",
    "Varsam",
    "Vaken",
    "Stark",
    "Mild",
    "Trygg",
    "Ärlig",
    "Öppen",
    "Rask",
    "Snäll",
    "Vänlig",
    "Ljus",
    "Djup",
    "Stadig",
    "Glad",
    "Sävlig",
    "Flink",
    "Kvick",
    "Mjuk",
    "Fast",
    "Envis",
    "Nyfiken",
    "Blyg",
    "Sval",
    "Varm",
    "Rofylld",
]
ANIMALS = [
    "Räv",
    "Uggla",
    "Lo",
    "Hjort",
    "Björn",
    "Hare",
    "Ekorre",
    "Trana",
    "Svala",
    "Lärka",
    "Mård",
    "Bäver",
    "Utter",
    "Älg",
    "Grävling",
    "Igelkott",
    "Korp",
    "Hök",
    "Falk",
    "Duva",
    "Säl",
    "Val",
    "Lax",
    "Gädda",
    "Abborre",
    "Mus",
    "Orre",
    "Tjäder",
    "Järv",
    "Varg",
]
