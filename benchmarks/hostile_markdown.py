"""Growth of parse time with file size, per Markdown shape: a quadratic step shows as an exponent near 2.

``parse_text`` (markdown-it tokens, cutting into blocks, normalising,
fingerprinting) must stay linear in the size of one file, or one hostile
file of a few MB (thousands of tiny lists, a table of 100,000 rows) stalls
a whole batch. Each shape below is repeated to two sizes (``--small`` and 4×
that many repetitions), parsed ``--rounds`` times each (best of, sizes
alternating), and the growth exponent log(t₂/t₁)/log(bytes₂/bytes₁) is
printed: about 1 is linear; noise on a busy machine moves it by ±0.2.

This found ``_top_level_items`` copying the rest of the token list once per
list: 32,000 one-item lists between paragraphs (629 KB) took 136.9 s
(exponent 2.5 from 151 KB), and 9.0 s (exponent 0.94) once it walked indexes.

    python benchmarks/hostile_markdown.py [--small 5000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import time

from analyzer.parse import parse_text
from analyzer.pipeline import active_rules
from analyzer.settings import Settings
from measure_child import fit_exponent, table

SHAPES = {
    "one-item lists between paragraphs": "- item {i}\n\npara\n\n",
    "one long list": "- item {i}\n",
    "nested lists, 3 deep": "- a {i}\n  - b\n    - c\n",
    "sections with text": "## heading {i}\n\ntext {i}\n\n",
    "the same section repeated": "## Same\n\nsame text\n\n",
    "H1 lines only": "# heading {i}\n",
    "setext headings": "Title {i}\n===\n\n",
    "table rows": "| a {i} | b |\n",
    "blockquote lines": "> line {i}\n",
    "fenced code blocks": "```\ncode {i}\n```\n",
    "HTML blocks": "<div>\n{i}\n</div>\n\n",
    "one long paragraph": "word {i} and more\n",
}


def document(shape: str, unit: str, repetitions: int) -> str:
    body = "".join(unit.format(i=i) for i in range(repetitions))
    if shape == "table rows":
        body = "| a | b |\n|---|---|\n" + body
    return f"---\nname: hostile\ndescription: {shape}\n---\n{body}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=5000, help="repetitions of the shape in the small file")
    parser.add_argument("--rounds", type=int, default=3)
    arguments = parser.parse_args()
    rules = active_rules(Settings().rules)
    rows = []
    for shape, unit in SHAPES.items():
        texts = [document(shape, unit, arguments.small), document(shape, unit, 4 * arguments.small)]
        best = [math.inf, math.inf]
        for _ in range(arguments.rounds):
            for k, text in enumerate(texts):
                started = time.perf_counter()
                parse_text(text, path="hostile.md", rules=rules)
                best[k] = min(best[k], time.perf_counter() - started)
        sizes = [len(text.encode("utf-8")) for text in texts]
        exponent = fit_exponent(list(zip(sizes, best)))
        rows.append([shape, f"{sizes[0]:,}", f"{best[0]:.2f}", f"{sizes[1]:,}", f"{best[1]:.2f}",
                     f"{sizes[1] / best[1] / 1e6:.2f}", f"{exponent:.2f}"])
    print(f"parse_text, best of {arguments.rounds}; exponent = log(t2/t1) / log(bytes2/bytes1)\n")
    print(table(["shape", "bytes 1", "s 1", "bytes 2", "s 2", "MB/s at 2", "exponent"], rows))


if __name__ == "__main__":
    main()
