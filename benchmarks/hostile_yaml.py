"""Hostile front matter: how long refusing it takes, against ordinary front matter of similar size.

The unit tests check *what* ``split_front_matter`` does with hostile YAML
(refused, read as lines, a warning naming the limit); how fast it does it
belongs here. Each case is split ``--rounds`` times (best of, rounds
alternating between cases so a slow moment hits them alike) and printed
beside an ordinary front matter of about the same byte size read in the
same run, as a ratio. A ratio far above the input-size ratio means a limit
is checked too late.

    python benchmarks/hostile_yaml.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import time

from analyzer.frontmatter import split_front_matter


def billion_laughs() -> str:
    """Ten levels of nine aliases each: 9**10 strings if expanded."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        previous, current = chr(ord("a") + level - 1), chr(ord("a") + level)
        lines.append(f"{current}: &{current} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\nname: laughs"


def deep_flow() -> str:
    return "x: " + "[" * 20_000 + "]" * 20_000 + "\nname: deep"


def deep_compact_list() -> str:
    return "x:\n" + "- " * 20_000 + "leaf\nname: deep"


def many_duplicate_keys() -> str:
    return "\n".join(f"tools: value {i}" for i in range(5_000)) + "\nname: dupes"


def ordinary(size: int) -> str:
    """Plain ``key: value`` lines and a folded description, ``size`` bytes or a little more."""
    lines, total, index = [], 0, 0
    while total < size:
        line = f"field_{index}: an ordinary value for field {index}, with words"
        lines.append(line)
        total += len(line) + 1
        index += 1
    return "\n".join(lines)


CASES = {
    "billion laughs": billion_laughs,
    "flow nesting 20,000 deep": deep_flow,
    "compact list nesting 20,000 deep": deep_compact_list,
    "5,000 duplicate keys": many_duplicate_keys,
}


def best_seconds(texts: dict[str, str], rounds: int) -> dict[str, float]:
    best = {name: float("inf") for name in texts}
    for _ in range(rounds):
        for name, text in texts.items():
            document = f"---\n{text}\n---\nbody\n"
            started = time.perf_counter()
            split_front_matter(document)
            best[name] = min(best[name], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    texts: dict[str, str] = {}
    for name, make in CASES.items():
        texts[name] = make()
        texts[f"ordinary, {len(texts[name]):,} bytes ({name})"] = ordinary(len(texts[name]))
    best = best_seconds(texts, arguments.rounds)
    print(f"| case | bytes | method | best of {arguments.rounds} ms | ÷ ordinary of that size |")
    print("|---|---|---|---|---|")
    for name in CASES:
        front_matter, _, _ = split_front_matter(f"---\n{texts[name]}\n---\nbody\n")
        baseline = best[f"ordinary, {len(texts[name]):,} bytes ({name})"]
        print(f"| {name} | {len(texts[name]):,} | {front_matter.method} | {best[name] * 1000:.1f} "
              f"| {best[name] / baseline:.2f} |")
        print(f"| ordinary | {len(texts[name]):,} | | {baseline * 1000:.1f} | 1.00 |")


if __name__ == "__main__":
    main()
