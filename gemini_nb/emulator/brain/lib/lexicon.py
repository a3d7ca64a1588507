"""Small lists of named things, so "list 5 fruits" names fruits and pasta recipes use pasta.

Lists and structured answers look on topic when their items come from the prompt's subject.
This module maps subject words (plural or singular) to short curated lists, and food words
to a themed set of dishes, ingredients and steps. Nothing is generated: if a subject is not
listed, callers fall back to their generic sentences.
"""

from __future__ import annotations

import re

from .facts import CAPITALS

THINGS: dict[str, list[str]] = {
    "fruit": [
        "Apple",
        "Banana",
        "Mango",
        "Orange",
        "Strawberry",
        "Pineapple",
        "Grape",
        "Kiwi",
        "Peach",
        "Cherry",
        "Pear",
        "Blueberry",
    ],
    "vegetable": [
        "Carrot",
        "Broccoli",
        "Spinach",
        "Tomato",
        "Bell pepper",
        "Zucchini",
        "Cauliflower",
        "Onion",
        "Kale",
        "Sweet potato",
        "Cucumber",
        "Eggplant",
    ],
    "animal": [
        "Elephant",
        "Dolphin",
        "Red fox",
        "Owl",
        "Tiger",
        "Penguin",
        "Koala",
        "Wolf",
        "Giraffe",
        "Octopus",
        "Otter",
        "Falcon",
    ],
    "planet": ["Mercury", "Venus", "Earth", "Mars", "Jupiter", "Saturn", "Uranus", "Neptune"],
    "color": ["Red", "Blue", "Green", "Yellow", "Purple", "Orange", "Teal", "Black", "White", "Gray"],
    "language": ["Python", "JavaScript", "Java", "C", "Go", "Rust", "TypeScript", "Kotlin", "Swift", "Ruby"],
    "programming language": [
        "Python",
        "JavaScript",
        "Java",
        "C",
        "Go",
        "Rust",
        "TypeScript",
        "Kotlin",
        "Swift",
        "Ruby",
    ],
    "country": sorted(CAPITALS),
    "capital": [CAPITALS[c] for c in sorted(CAPITALS)],
    "ocean": ["Pacific Ocean", "Atlantic Ocean", "Indian Ocean", "Southern Ocean", "Arctic Ocean"],
    "continent": ["Africa", "Antarctica", "Asia", "Australia", "Europe", "North America", "South America"],
    "sport": ["Football", "Basketball", "Tennis", "Cricket", "Swimming", "Cycling", "Volleyball", "Rugby"],
    "instrument": ["Piano", "Guitar", "Violin", "Drums", "Flute", "Cello", "Trumpet", "Saxophone"],
}
NAMES_FOR = {
    "cat": ["Miso", "Pepper", "Luna", "Biscuit", "Mochi", "Juniper", "Ziggy"],
    "dog": ["Maple", "Scout", "Bruno", "Pixel", "Olive", "Rocket", "Hazel"],
    "pet": ["Nugget", "Pickle", "Willow", "Comet", "Toffee", "Basil", "Sprout"],
    "baby": ["Ada", "Leo", "Iris", "Noah", "Mila", "Theo", "Nora"],
    "project": ["Lighthouse", "Northstar", "Tidewater", "Keystone", "Bluebird", "Sparrow", "Atlas"],
    "team": ["The Trailblazers", "Night Owls", "Code Crafters", "The Catalysts", "Blue Comets"],
    "company": ["Brightpath", "Nimbus Labs", "Evergreen Works", "Lumen & Co", "Northwind Studio"],
    "boat": ["Sea Breeze", "Wanderer", "Blue Heron", "Second Wind", "Salty Dog"],
}
# phrase -> translations (fr, es, de, it, pt): enough for "translate hello into French"
PHRASES: dict[str, tuple[str, str, str, str, str]] = {
    "hello": ("bonjour", "hola", "hallo", "ciao", "olá"),
    "goodbye": ("au revoir", "adiós", "auf Wiedersehen", "arrivederci", "adeus"),
    "thank you": ("merci", "gracias", "danke", "grazie", "obrigado"),
    "thanks": ("merci", "gracias", "danke", "grazie", "obrigado"),
    "please": ("s'il vous plaît", "por favor", "bitte", "per favore", "por favor"),
    "yes": ("oui", "sí", "ja", "sì", "sim"),
    "no": ("non", "no", "nein", "no", "não"),
    "good morning": ("bonjour", "buenos días", "guten Morgen", "buongiorno", "bom dia"),
    "good night": ("bonne nuit", "buenas noches", "gute Nacht", "buona notte", "boa noite"),
    "how are you": ("comment allez-vous ?", "¿cómo estás?", "wie geht es dir?", "come stai?", "como está?"),
    "i love you": ("je t'aime", "te quiero", "ich liebe dich", "ti amo", "eu te amo"),
    "sorry": ("désolé", "lo siento", "Entschuldigung", "mi dispiace", "desculpe"),
    "welcome": ("bienvenue", "bienvenido", "willkommen", "benvenuto", "bem-vindo"),
    "cheers": ("santé", "salud", "prost", "salute", "saúde"),
    "good luck": ("bonne chance", "buena suerte", "viel Glück", "buona fortuna", "boa sorte"),
}
TRANSLATION_LANGUAGES = ("french", "spanish", "german", "italian", "portuguese")


def translate(phrase: str, language: str) -> str | None:
    """The phrase bank's translation of ``phrase`` into ``language`` (None if not listed)."""
    row = PHRASES.get(phrase.lower().strip(" .!?\"'“”"))
    lang = language.lower()
    if row is None or lang not in TRANSLATION_LANGUAGES:
        return None
    return row[TRANSLATION_LANGUAGES.index(lang)]


FOODS: dict[str, dict[str, list[str]]] = {
    "pasta": {
        "dishes": [
            "Spaghetti Carbonara",
            "Penne all'Arrabbiata",
            "Fettuccine Alfredo",
            "Linguine alle Vongole",
            "Pasta e Fagioli",
            "Spaghetti Aglio e Olio",
            "Lasagna alla Bolognese",
            "Pesto Trofie",
            "Cacio e Pepe",
            "Rigatoni alla Norma",
        ],
        "ingredients": [
            "400 g spaghetti",
            "200 g guanciale",
            "3 egg yolks",
            "60 g pecorino romano",
            "2 cloves garlic",
            "4 tbsp olive oil",
            "400 g canned tomatoes",
            "1 chilli",
            "a handful of basil",
            "50 g parmesan",
            "salt and black pepper",
            "300 g penne",
        ],
        "steps": [
            "Bring a large pot of salted water to the boil.",
            "Cook the pasta until al dente.",
            "Fry the garlic gently in olive oil.",
            "Add the sauce ingredients and simmer for 10 minutes.",
            "Toss the drained pasta with the sauce.",
            "Finish with grated cheese and serve at once.",
        ],
    },
    "salad": {
        "dishes": [
            "Greek Salad",
            "Caesar Salad",
            "Caprese Salad",
            "Nicoise Salad",
            "Waldorf Salad",
            "Quinoa Salad",
            "Tabbouleh",
        ],
        "ingredients": [
            "1 head romaine lettuce",
            "200 g cherry tomatoes",
            "1 cucumber",
            "100 g feta",
            "a handful of olives",
            "2 tbsp olive oil",
            "1 tbsp lemon juice",
            "1 red onion",
        ],
        "steps": [
            "Wash and dry the leaves.",
            "Chop the vegetables into bite-sized pieces.",
            "Whisk the dressing.",
            "Toss everything together just before serving.",
        ],
    },
    "soup": {
        "dishes": [
            "Tomato Basil Soup",
            "French Onion Soup",
            "Minestrone",
            "Lentil Soup",
            "Gazpacho",
            "Chicken Noodle Soup",
            "Pumpkin Soup",
        ],
        "ingredients": [
            "1 litre vegetable stock",
            "2 onions",
            "3 carrots",
            "2 celery sticks",
            "400 g canned tomatoes",
            "200 g red lentils",
            "2 cloves garlic",
            "1 bay leaf",
        ],
        "steps": [
            "Soften the onions in a little oil.",
            "Add the vegetables and stock.",
            "Simmer for 25 minutes.",
            "Blend until smooth and season to taste.",
        ],
    },
    "dessert": {
        "dishes": [
            "Chocolate Brownies",
            "Tiramisu",
            "Apple Crumble",
            "Lemon Tart",
            "Panna Cotta",
            "Banana Bread",
            "Creme Brulee",
        ],
        "ingredients": [
            "200 g dark chocolate",
            "150 g butter",
            "3 eggs",
            "200 g sugar",
            "100 g flour",
            "250 ml cream",
            "1 tsp vanilla extract",
            "a pinch of salt",
        ],
        "steps": [
            "Preheat the oven to 180°C.",
            "Melt the butter and chocolate together.",
            "Whisk in the eggs and sugar.",
            "Fold in the flour.",
            "Bake for 25 minutes and let cool.",
        ],
    },
    "curry": {
        "dishes": [
            "Chicken Tikka Masala",
            "Chana Masala",
            "Thai Green Curry",
            "Lamb Rogan Josh",
            "Vegetable Korma",
            "Dal Makhani",
        ],
        "ingredients": [
            "2 onions",
            "3 cloves garlic",
            "1 thumb ginger",
            "2 tsp garam masala",
            "400 ml coconut milk",
            "1 tsp turmeric",
            "400 g chickpeas",
            "fresh coriander",
        ],
        "steps": [
            "Fry the onions until golden.",
            "Add garlic, ginger and spices.",
            "Stir in the main ingredient and the liquid.",
            "Simmer for 20 minutes and serve with rice.",
        ],
    },
    "pizza": {
        "dishes": ["Margherita Pizza", "Pizza Marinara", "Quattro Formaggi", "Pizza Diavola", "Capricciosa"],
        "ingredients": [
            "500 g pizza dough",
            "200 g tomato passata",
            "250 g mozzarella",
            "fresh basil",
            "2 tbsp olive oil",
            "100 g salami",
            "1 tsp dried oregano",
        ],
        "steps": [
            "Heat the oven as hot as it goes.",
            "Stretch the dough thinly.",
            "Spread the sauce and add the toppings.",
            "Bake for 8 to 10 minutes.",
        ],
    },
}
FOODS["breakfast"] = {
    "dishes": [
        "Buttermilk Pancakes",
        "French Toast",
        "Belgian Waffles",
        "Cheese Omelette",
        "Crepes",
        "Blueberry Muffins",
        "Granola Bowl",
    ],
    "ingredients": [
        "200 g flour",
        "2 eggs",
        "300 ml milk",
        "1 tbsp sugar",
        "2 tsp baking powder",
        "a pinch of salt",
        "30 g melted butter",
        "maple syrup to serve",
    ],
    "steps": [
        "Whisk the dry ingredients together.",
        "Beat in the eggs and milk until smooth.",
        "Rest the batter for 10 minutes.",
        "Heat a lightly buttered pan over medium heat.",
        "Cook until golden on both sides.",
        "Serve warm with syrup or fruit.",
    ],
    "aliases": ["pancake", "waffle", "crepe", "french toast", "omelette", "breakfast", "muffin"],
}
FOODS["dessert"]["aliases"] = ["cake", "cookie", "dessert", "sweet", "baking", "brownie"]
FOODS["pasta"]["aliases"] = ["pasta", "spaghetti", "noodle", "italian", "lasagna", "penne"]


def things(noun: str) -> list[str] | None:
    """The curated list for a subject noun ('fruits', 'planets', 'programming languages')."""
    noun = noun.lower().strip()
    for key in sorted(THINGS, key=len, reverse=True):
        if re.search(r"\b%s(?:s|es)?\b" % re.escape(key), noun) or (
            key.endswith("y") and re.search(r"\b%sies\b" % key[:-1], noun)
        ):
            return THINGS[key]
    return None


def food_theme(text: str) -> dict[str, list[str]] | None:
    """The food theme ('pasta', 'soup', ...) a prompt is about, or None."""
    low = text.lower()
    for theme in FOODS.values():  # a dish of the theme, named in full
        if any(dish.lower() in low for dish in theme["dishes"]):
            return theme
    for name, theme in FOODS.items():
        for alias in theme.get("aliases", [name]):
            if re.search(r"\b%s" % re.escape(alias), low):
                return theme
    return None
