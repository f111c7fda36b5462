# level: 1 — text processing: word frequencies with a dict, ranked by count then word
text = """It was the best of times, it was the worst of times,
it was the age of wisdom, it was the age of foolishness"""


def normalise(word):
    return word.strip(",.").lower()


counts = {}
for line in text.splitlines():
    for raw in line.split():
        word = normalise(raw)
        counts[word] = counts.get(word, 0) + 1

ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
for word, n in ranked[:5]:
    print(f"{word:<8}{n:>3} {'#' * n}")
print("distinct:", len(counts), "total:", sum(counts.values()))
longest = max(counts, key=lambda w: (len(w), w))
print("longest:", longest)
by_length = {}
for word in sorted(counts):
    by_length.setdefault(len(word), []).append(word)
for length in sorted(by_length):
    print(length, by_length[length])
initials = "".join(w[0].upper() for w in text.split()[:6])
print(initials)
print(text.count("it was"), text.lower().count("it was"))
vowels = sum(1 for ch in text.lower() if ch in "aeiou")
print("vowels:", vowels, "lines:", len(text.splitlines()), "chars:", len(text))
print(list(counts)[:4])
