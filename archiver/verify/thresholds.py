"""Every number that decides a verify result, with what it is based on.

The similarity figures quoted below were measured when the matcher was
designed, with a throwaway prototype of the same algorithm (not in this
repository): the best semi-global similarity ``1 - edits / length`` of the
quote's letters-and-digits skeleton, over 1,031,126 characters of text from
135 real news pages, for passages known to be absent, for hand-made EN<->FR
translations, and for quotes with typos or one changed word. The other numbers
are judgement calls and say so.
"""

from __future__ import annotations

#: Quotes whose skeleton is shorter than this are never fuzzy-matched. Measured:
#: absent 15-character skeletons reached a similarity of 1.00 in 1 MB of text
#: (median .73), absent 25-character ones p95 .85 / max .86, so below about 25
#: characters chance alone passes the 0.80 floor.
MIN_FUZZY_CHARS = 25
#: Edits allowed in a fuzzy match, as a share of the quote's skeleton length:
#: score = 1 - edits/length >= 0.80. Measured: absent passages of 40 characters
#: or more scored at most .66 in 1 MB (100-400 characters at most .49), eight
#: EN<->FR translation pairs .31-.50, one-word changes .90-.96.
MAX_EDIT_RATIO = 0.20
MIN_ALTERED_SCORE = 1.0 - MAX_EDIT_RATIO
#: A fuzzy match is ``verified_typo`` only if every edit is typo-sized *and* the
#: score is at least this: two typos measured about .97, so .90 keeps them while
#: refusing a quote with several small changes.
MIN_TYPO_SCORE = 0.90
#: A changed word is a typo when at most this many edits (insertion, deletion,
#: substitution or swap of two adjacent letters, after folding OCR look-alikes)
#: turn it into the page's word and no digit changed. These are the four single
#: errors F. J. Damerau found behind over 80 % of misspellings ("A technique for
#: computer detection and correction of spelling errors", CACM 7(3), 1964).
#: Counting a swap as one edit and refusing two substitutions keeps
#: "accident"/"incident" a word change.
MAX_TYPO_EDITS = 1
#: Both sides of a one-word edit at most this long: a word change, not a typo
#: ("un"/"en", "le"/"la" differ by one letter but change the meaning). A
#: judgement call.
SHORT_WORD = 3
#: Characters of context on each side of a match in the excerpt (the issue asks
#: for about 80; the Hypothesis annotation client keeps 32, ``contextLen`` in
#: hypothesis/client src/annotator/anchoring/types.ts).
EXCERPT_CONTEXT = 80
#: Fuzzy locations rechecked character by character on large-alphabet (CJK)
#: pages. A bound on the work, not measured.
MAX_RECHECKS = 20
#: A matched passage longer than this is shown with its middle elided.
MAX_EXCERPT_INSIDE = 600
#: Ellipsis segments must lie within this many characters of each other. A
#: judgement call, not measured: an elided part of a quote is a few sentences.
MAX_ELLIPSIS_GAP = 2000
#: Ellipsis segments whose skeleton is shorter than this are not searched on
#: their own (a lone "Demain" matches anywhere); they still count toward order.
MIN_SEGMENT_CHARS = 4
#: Stop-word hits needed to name a language (the winner also needs twice the
#: runner-up's hits), and how much of a text is read to guess it. Judgement calls.
MIN_LANG_HITS = 2
LANG_SAMPLE_CHARS = 20_000
#: A missing quote's nearest passage is shown only from this score up: below
#: it the passage shares little more than chance with the quote (absent
#: passages of 40+ characters scored up to .66 in 1 MB, translations .31-.50,
#: see MIN_FUZZY_CHARS). A judgement call: low enough to show a rewritten
#: sentence, high enough not to show noise for every translation.
MIN_NEAREST_SCORE = 0.5
#: Places (diagonal bands sharing the most exact pieces with the quote) aligned
#: when looking for a missing quote's nearest passage. A bound on the work.
NEAREST_CANDIDATES = 3
#: Offset between the quote's pieces looked up for the nearest passage: a
#: passage sharing a run of 8 + 4 - 1 = 11 letters with the quote is found.
#: A bound on the work.
NEAREST_STEP = 4
