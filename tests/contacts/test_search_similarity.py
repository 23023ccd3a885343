"""search.similarity compares each distinct pair of words once (memoised): the same
scores as comparing every word of the query with every word of the candidate."""

from difflib import SequenceMatcher

from contacts import search


def _plain(query, candidate):
    qs, cs = search.words(query), search.words(candidate)
    if not qs or not cs:
        return 0.0
    return sum(max(SequenceMatcher(None, q, c).ratio() for c in cs) for q in qs) / len(qs)


def test_similarity_scores_as_a_plain_pairwise_comparison():
    cases = [("Jonh Smiht", "John Smith John Smith Contoso"), ("smi", "Mia Moe Mia Moe"), ("zoe", "Zoë Ørsted"),
             ("jhon", "Johann Sebastian Bach"), ("x", ""), ("", "John"), ("Smoth", "Smith Smith Smith")]
    for query, candidate in cases * 2:  # twice: the second round reads the memo
        assert search.similarity(query, candidate) == _plain(query, candidate), (query, candidate)
