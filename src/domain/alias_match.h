// Beneficiary aliases: the uniqueness key, validation, and turning what a person said
// ("mami", "Baleria", "juanito") into exactly one beneficiary or a clear "cannot tell".
// Rules, thresholds and examples in prose: docs/alias-matching.md.
// Pure functions, no I/O; all are thread-safe and deterministic.
#pragma once

#include <cstddef>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace centli::alias {

// --- normalization and validation ---

// The uniqueness key of an alias. Lower case (accented capitals too), accents removed
// (á->a, ü->u, ñ->n, also decomposed accents), apostrophes removed, other punctuation and
// symbols folded to a space, runs of spaces collapsed, trimmed. "Mamá", "mama", " MAMA " ->
// "mama"; "Tía-Chela" -> "tia chela". Covers Latin-1 Supplement and Latin Extended-A; other
// scripts pass through unchanged; malformed UTF-8 bytes count as spaces.
std::string normalize(std::string_view utf8);

// Alias: 1..limits::kAliasCodePointsMax code points of letters (any case, accented), digits,
// spaces, apostrophes and hyphens, with at least one letter or digit, in valid UTF-8.
// On failure returns a sentence for a problem+json detail.
std::expected<void, std::string_view> check_alias(std::string_view utf8);
bool valid_alias(std::string_view utf8);

// Full name: as an alias, plus periods and commas ("Ma. de la Luz"), and up to
// limits::kBeneficiaryNameCodePointsMax code points.
std::expected<void, std::string_view> check_name(std::string_view utf8);
bool valid_name(std::string_view utf8);

// --- matching ---

// A sound-alike key for transcribed Mexican Spanish, computed on normalize(utf8): b/v -> b;
// z, and c before e/i -> s; ll and y before a vowel -> y, y otherwise -> i; h silent (except
// in ch); qu before e/i, c elsewhere, k and q -> k; g before e/i -> j, gu before e/i -> g;
// x at a word start -> j before e/i ("Ximena") and s otherwise ("Xóchitl"), ks inside a word;
// w -> u; n before b/p -> m; doubled letters collapse. "Valeria" and "Baleria" share
// "baleria"; "Hugo" and "Ugo" share "ugo".
std::string phonetic_key(std::string_view utf8);

// Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
// substitutions and adjacent transpositions) between two byte strings.
std::size_t edit_distance(std::string_view a, std::string_view b);

// How well `spoken` names `candidate`, in [0, 1]; the maximum of:
//   1.00  equal normalized forms
//   0.95  equal phonetic keys
//   0.93  equal phonetic keys once spaces are removed ("tiachela"); one spoken word that is
//         consecutive candidate words run together ("juancarlos") scores 0.93 lowered as below
//   word overlap: each spoken word takes its best match among the candidate's words
//     (1.00 equal, 0.95 sound-alike, 0.90 nickname or diminutive of the same name,
//     1 - 1.15 * distance / length for small typos, at most 0.90), averaged over the spoken
//     words, times 0.9 + 0.1 * (share of the candidate's words that were matched), so
//     "juan perez" names "Juan Pérez López" well but below an exact match.
double score(std::string_view spoken, std::string_view candidate);

// Thresholds of resolve(); see docs/alias-matching.md.
// A fuzzy match resolves only at or above this score...
inline constexpr double kResolveScoreMin = 0.80;
// ...and only this far ahead of the runner-up.
inline constexpr double kResolveMarginMin = 0.15;
// Entries at or above this score are offered as candidates when the match is not clear.
inline constexpr double kCandidateScoreMin = 0.60;

struct Entry {
  std::string id;
  std::string alias;  // "Mamá"
  std::string name;   // "María López Hernández"
};

struct Candidate {
  std::string id;
  double score = 0;    // in [0, 1], rounded to three decimals
  bool exact = false;  // normalize(spoken) == normalize(alias)
};

struct Resolution {
  enum class Status { kResolved, kAmbiguous, kNotFound };
  Status status = Status::kNotFound;
  bool exact = false;     // resolved by an exact normalized alias match
  double confidence = 0;  // resolved: the winner's score; ambiguous: the best score; else 0
  // kResolved: the one entry. kAmbiguous: up to limits::kAliasCandidatesMax, ranked.
  // kNotFound: up to limits::kAliasSuggestionsMax nearest entries with a score above zero.
  std::vector<Candidate> candidates;
};

// Resolves spoken text against one person's address book. Each entry scores the best of its
// alias, its name, and (for spoken text of several words) both together. In order:
//   1. spoken text empty after normalization, or longer than limits::kSpokenAliasBytesMax:
//      kNotFound with no candidates (callers reject oversize input with a 4xx first);
//   2. exactly one entry whose normalized alias equals the normalized spoken text: kResolved,
//      exact, confidence 1 (several such entries, which a valid book never has: kAmbiguous);
//   3. best score >= kResolveScoreMin and at least kResolveMarginMin ahead of the second:
//      kResolved, not exact, confidence = that score;
//   4. best score >= kCandidateScoreMin: kAmbiguous with every entry at or above it;
//   5. otherwise kNotFound with the nearest suggestions.
// Ranking is by score descending, then normalized alias, then id, so the answer does not
// depend on the order of `book`. Cost is linear in the size of `book` (bounded by
// limits::kBeneficiariesPerUserMax at the caller). Money should move only on an exact
// resolution or an explicit choice; a fuzzy resolution is for confirmation.
Resolution resolve(std::string_view spoken, std::span<const Entry> book);

}  // namespace centli::alias
