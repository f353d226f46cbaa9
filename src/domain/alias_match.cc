#include "domain/alias_match.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "util/limits.h"

namespace centli::alias {
namespace {

// --- UTF-8 ---

struct CodePoint {
  char32_t value = 0;
  std::size_t length = 1;
  bool valid = false;
};

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes the code point at text[i]. Overlong forms, surrogates, values past U+10FFFF and
// truncated sequences are invalid and consume one byte.
CodePoint decode(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const unsigned char b0 = at(0);
  if (b0 < 0x80) return {b0, 1, true};
  std::size_t length = 0;
  char32_t value = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, value = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, value = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, value = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {0xFFFD, 1, false};
  }
  if (at(1) < lo || at(1) > hi) return {0xFFFD, 1, false};
  for (std::size_t k = 1; k < length; ++k) {
    if (!is_continuation(at(k))) return {0xFFFD, 1, false};
    value = (value << 6) | (at(k) & 0x3F);
  }
  return {value, length, true};
}

// --- folding ---

struct FoldRange {
  char32_t first;
  char32_t last;
  std::string_view fold;  // "" removes the character, " " folds it to a space
};

// Sorted, non-overlapping. Code points past U+007F that are in no range are kept as they are.
constexpr auto kFolds = std::to_array<FoldRange>({
    {0x0080, 0x00BF, " "},  // C1 controls, no-break space, ¡ ¿ « » and other symbols
    {0x00C0, 0x00C5, "a"},
    {0x00C6, 0x00C6, "ae"},
    {0x00C7, 0x00C7, "c"},
    {0x00C8, 0x00CB, "e"},
    {0x00CC, 0x00CF, "i"},
    {0x00D0, 0x00D0, "d"},
    {0x00D1, 0x00D1, "n"},
    {0x00D2, 0x00D6, "o"},
    {0x00D7, 0x00D7, " "},
    {0x00D8, 0x00D8, "o"},
    {0x00D9, 0x00DC, "u"},
    {0x00DD, 0x00DD, "y"},
    {0x00DE, 0x00DE, "th"},
    {0x00DF, 0x00DF, "ss"},
    {0x00E0, 0x00E5, "a"},
    {0x00E6, 0x00E6, "ae"},
    {0x00E7, 0x00E7, "c"},
    {0x00E8, 0x00EB, "e"},
    {0x00EC, 0x00EF, "i"},
    {0x00F0, 0x00F0, "d"},
    {0x00F1, 0x00F1, "n"},
    {0x00F2, 0x00F6, "o"},
    {0x00F7, 0x00F7, " "},
    {0x00F8, 0x00F8, "o"},
    {0x00F9, 0x00FC, "u"},
    {0x00FD, 0x00FD, "y"},
    {0x00FE, 0x00FE, "th"},
    {0x00FF, 0x00FF, "y"},
    {0x0100, 0x0105, "a"},
    {0x0106, 0x010D, "c"},
    {0x010E, 0x0111, "d"},
    {0x0112, 0x011B, "e"},
    {0x011C, 0x0123, "g"},
    {0x0124, 0x0127, "h"},
    {0x0128, 0x0131, "i"},
    {0x0132, 0x0133, "ij"},
    {0x0134, 0x0135, "j"},
    {0x0136, 0x0138, "k"},
    {0x0139, 0x0142, "l"},
    {0x0143, 0x014B, "n"},
    {0x014C, 0x0151, "o"},
    {0x0152, 0x0153, "oe"},
    {0x0154, 0x0159, "r"},
    {0x015A, 0x0161, "s"},
    {0x0162, 0x0167, "t"},
    {0x0168, 0x0173, "u"},
    {0x0174, 0x0175, "w"},
    {0x0176, 0x0178, "y"},
    {0x0179, 0x017E, "z"},
    {0x017F, 0x017F, "s"},
    {0x02BC, 0x02BC, ""},   // modifier letter
                            // apostrophe, like '
    {0x0300, 0x036F, ""},   // combining accents of decomposed text: "a" + U+0301
    {0x2000, 0x2017, " "},  // spaces, dashes
    {0x2018, 0x2019, ""},   // typographic apostrophes, like '
    {0x201A, 0x206F, " "},  // quotes, bullets, ellipsis
});

constexpr bool folds_sorted() {
  for (std::size_t i = 0; i < kFolds.size(); ++i) {
    if (kFolds[i].first > kFolds[i].last) return false;
    if (i > 0 && kFolds[i - 1].last >= kFolds[i].first) return false;
  }
  return true;
}
static_assert(folds_sorted(), "kFolds must be sorted and non-overlapping");

const FoldRange* find_fold(char32_t cp) {
  const auto it = std::upper_bound(kFolds.begin(), kFolds.end(), cp,
                                   [](char32_t v, const FoldRange& r) { return v < r.first; });
  if (it == kFolds.begin()) return nullptr;
  const FoldRange* range = &*(it - 1);
  return cp <= range->last ? range : nullptr;
}

// Appends the folded form of one character.
void append_folded(std::string_view text, const CodePoint& cp, std::size_t i, std::string& out) {
  if (!cp.valid) {
    out.push_back(' ');
  } else if (cp.value < 0x80) {
    const char c = static_cast<char>(cp.value);
    if (c >= 'A' && c <= 'Z') {
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out.push_back(c);
    } else if (c != '\'') {
      out.push_back(' ');
    }
  } else if (const FoldRange* range = find_fold(cp.value)) {
    out += range->fold;
  } else {
    out += text.substr(i, cp.length);
  }
}

std::string collapse_spaces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// --- validation ---

enum class CharClass { kLetterOrDigit, kCombining, kSpace, kApostrophe, kHyphen, kPunct, kBad };

CharClass classify(char32_t cp) {
  if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9')) {
    return CharClass::kLetterOrDigit;
  }
  if (cp == ' ') return CharClass::kSpace;
  if (cp == '\'' || cp == 0x2019 || cp == 0x02BC) return CharClass::kApostrophe;
  if (cp == '-') return CharClass::kHyphen;
  if (cp == '.' || cp == ',') return CharClass::kPunct;
  if (cp >= 0xC0 && cp <= 0x17F && cp != 0xD7 && cp != 0xF7) return CharClass::kLetterOrDigit;
  if (cp >= 0x300 && cp <= 0x36F) return CharClass::kCombining;
  return CharClass::kBad;
}

struct TextRules {
  std::size_t code_points_max;
  bool allow_punct;
  std::string_view empty;
  std::string_view not_utf8;
  std::string_view too_long;
  std::string_view bad_char;
  std::string_view no_letter;
};

static_assert(limits::kAliasCodePointsMax == 40, "update the alias length message");
static_assert(limits::kBeneficiaryNameCodePointsMax == 100, "update the name length message");

constexpr TextRules kAliasRules = {
    limits::kAliasCodePointsMax,
    false,
    "alias is empty",
    "alias is not valid UTF-8",
    "alias is longer than 40 characters",
    "alias may contain only letters, digits, spaces, apostrophes and hyphens",
    "alias must contain a letter or a digit",
};
constexpr TextRules kNameRules = {
    limits::kBeneficiaryNameCodePointsMax,
    true,
    "name is empty",
    "name is not valid UTF-8",
    "name is longer than 100 characters",
    "name may contain only letters, digits, spaces, apostrophes, hyphens, periods and commas",
    "name must contain a letter or a digit",
};

// Checks in order: empty, malformed UTF-8, too long, a character not allowed, no letter.
std::expected<void, std::string_view> check_text(std::string_view utf8, const TextRules& rules) {
  if (utf8.empty()) return std::unexpected(rules.empty);
  std::size_t count = 0;
  bool has_letter = false;
  bool bad_char = false;
  bool after_letter = false;
  for (std::size_t i = 0; i < utf8.size();) {
    const CodePoint cp = decode(utf8, i);
    if (!cp.valid) return std::unexpected(rules.not_utf8);
    i += cp.length;
    ++count;
    const CharClass cls = classify(cp.value);
    const bool allowed = cls == CharClass::kLetterOrDigit || cls == CharClass::kSpace ||
                         cls == CharClass::kApostrophe || cls == CharClass::kHyphen ||
                         (cls == CharClass::kPunct && rules.allow_punct) ||
                         (cls == CharClass::kCombining && after_letter);
    if (!allowed) bad_char = true;
    has_letter = has_letter || cls == CharClass::kLetterOrDigit;
    after_letter =
        cls == CharClass::kLetterOrDigit || (after_letter && cls == CharClass::kCombining);
  }
  if (count > rules.code_points_max) return std::unexpected(rules.too_long);
  if (bad_char) return std::unexpected(rules.bad_char);
  if (!has_letter) return std::unexpected(rules.no_letter);
  return {};
}

}  // namespace

std::string normalize(std::string_view utf8) {
  std::string folded;
  folded.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const CodePoint cp = decode(utf8, i);
    append_folded(utf8, cp, i, folded);
    i += cp.length;
  }
  return collapse_spaces(folded);
}

std::expected<void, std::string_view> check_alias(std::string_view utf8) {
  return check_text(utf8, kAliasRules);
}

bool valid_alias(std::string_view utf8) { return check_alias(utf8).has_value(); }

std::expected<void, std::string_view> check_name(std::string_view utf8) {
  return check_text(utf8, kNameRules);
}

bool valid_name(std::string_view utf8) { return check_name(utf8).has_value(); }

// --- phonetic key ---

namespace {

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }
bool is_front_vowel(char c) { return c == 'e' || c == 'i'; }
bool is_ascii_letter(char c) { return c >= 'a' && c <= 'z'; }

// The sound of the letter at n[i], and how many letters it used. Works on normalized text.
std::string_view sound_at(std::string_view n, std::size_t i, std::size_t& used) {
  const auto at = [&](std::size_t k) { return i + k < n.size() ? n[i + k] : '\0'; };
  const char c = at(0), next = at(1);
  const bool word_start = i == 0 || n[i - 1] == ' ';
  used = 1;
  switch (c) {
    case 'b':
    case 'v':
      return "b";
    case 'c':
      if (next == 'h') return used = 2, "ch";
      return is_front_vowel(next) ? "s" : "k";
    case 'g':
      if (is_front_vowel(next)) return "j";
      if (next == 'u' && is_front_vowel(at(2))) return used = 2, "g";
      return "g";
    case 'h':
      return "";
    case 'q':
      if (next == 'u') used = 2;
      return "k";
    case 'l':
      if (next == 'l') return used = 2, "y";
      return "l";
    case 'n':
      return next == 'b' || next == 'v' || next == 'p' ? "m" : "n";
    case 'z':
      return "s";
    case 'w':
      return "u";
    case 'x':
      if (!word_start) return "ks";
      return is_front_vowel(next) ? "j" : "s";
    case 'y':
      return is_vowel(next) ? "y" : "i";
    default:
      return n.substr(i, 1);
  }
}

std::string phonetic_of_normalized(std::string_view n) {
  std::string out;
  out.reserve(n.size());
  for (std::size_t i = 0; i < n.size();) {
    std::size_t used = 1;
    for (const char c : sound_at(n, i, used)) {
      // Doubled letters collapse ("rr", "nn", "ss" after z->s); other bytes are kept as is.
      if (is_ascii_letter(c) && !out.empty() && out.back() == c) continue;
      out.push_back(c);
    }
    i += used;
  }
  return out;
}

}  // namespace

std::string phonetic_key(std::string_view utf8) { return phonetic_of_normalized(normalize(utf8)); }

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Three rolling rows of the optimal-string-alignment table.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], before[j - 2] + 1);
      }
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

namespace {

// --- nicknames, affectionate forms, diminutives ---

struct Nickname {
  std::string_view nick;     // normalized
  std::string_view targets;  // normalized full forms, separated by spaces
};

// Common Mexican nicknames and family words, each with the names or words it stands for.
// Looked up by phonetic key, so spelling variants ("gaby"/"gabi", "kike"/"quique") share a row.
constexpr auto kNicknames = std::to_array<Nickname>({
    {"abue", "abuela abuelo"},
    {"ale", "alejandra alejandro"},
    {"alex", "alejandra alejandro"},
    {"ama", "mama"},  // "amá", rural and northern speech for mother
    {"apa", "papa"},
    {"arrendador", "casero"},
    {"beto", "alberto humberto roberto"},
    {"carlitos", "carlos"},
    {"caro", "carolina"},
    {"chabela", "isabel"},
    {"chava", "salvador"},
    {"chayo", "rosario"},
    {"chela", "graciela"},
    {"chelo", "consuelo"},
    {"chema", "jose"},
    {"chente", "vicente"},
    {"chucho", "jesus"},
    {"chuy", "jesus"},
    {"concha", "concepcion"},
    {"conchita", "concepcion"},
    {"dad", "papa"},
    {"dueno", "casero"},
    {"father", "papa"},
    {"fer", "fernanda fernando"},
    {"gaby", "gabriel gabriela"},
    {"gera", "gerardo"},
    {"goyo", "gregorio"},
    {"jefa", "mama"},
    {"jefe", "papa"},
    {"jefecita", "mama"},
    {"jefecito", "papa"},
    {"kike", "enrique"},
    {"lalo", "eduardo"},
    {"landlord", "casero"},
    {"lencho", "lorenzo"},
    {"lety", "leticia"},
    {"lola", "dolores"},
    {"lolita", "dolores"},
    {"lulu", "lourdes"},
    {"lupe", "guadalupe"},
    {"lupita", "guadalupe"},
    {"ma", "mama"},
    {"madre", "mama"},
    {"mami", "mama"},
    {"mamita", "mama"},
    {"mana", "hermana"},
    {"mano", "hermano"},
    {"memo", "guillermo"},
    {"mom", "mama"},
    {"moni", "monica"},
    {"mother", "mama"},
    {"nacho", "ignacio"},
    {"nando", "fernando"},
    {"pa", "papa"},
    {"paco", "francisco"},
    {"padre", "papa"},
    {"panchito", "francisco"},
    {"pancho", "francisco"},
    {"papi", "papa"},
    {"papito", "papa"},
    {"paquito", "francisco"},
    {"paty", "patricia"},
    {"pepe", "jose"},
    {"pepito", "jose"},
    {"pili", "pilar"},
    {"poncho", "alfonso"},
    {"rafa", "rafael"},
    {"santi", "santiago"},
    {"tere", "teresa"},
    {"tono", "antonio"},
    {"vale", "valentina valeria"},
    {"vero", "veronica"},
    {"vicky", "victoria"},
    {"xime", "ximena"},
});

constexpr bool nicknames_sorted() {
  for (std::size_t i = 1; i < kNicknames.size(); ++i) {
    if (!(kNicknames[i - 1].nick < kNicknames[i].nick)) return false;
  }
  return true;
}
// Kept sorted so that a reader finds a row and a duplicate is caught at compile time.
static_assert(nicknames_sorted(), "kNicknames must be sorted without duplicates");

struct KeyedNickname {
  std::string key;           // phonetic key of the nickname
  std::string_view targets;  // as in kNicknames
};

// The table indexed by phonetic key; built once, read-only afterwards (thread-safe).
const std::vector<KeyedNickname>& nickname_index() {
  static const std::vector<KeyedNickname> index = [] {
    std::vector<KeyedNickname> rows;
    for (const Nickname& n : kNicknames)
      rows.push_back({phonetic_of_normalized(n.nick), n.targets});
    std::stable_sort(rows.begin(), rows.end(),
                     [](const auto& a, const auto& b) { return a.key < b.key; });
    return rows;
  }();
  return index;
}

// Phonetic keys of the full forms a word may stand for.
std::vector<std::string> nickname_target_keys(std::string_view key) {
  std::vector<std::string> keys;
  const auto& index = nickname_index();
  auto it =
      std::lower_bound(index.begin(), index.end(), key,
                       [](const KeyedNickname& row, std::string_view k) { return row.key < k; });
  for (; it != index.end() && it->key == key; ++it) {
    std::string_view rest = it->targets;
    while (!rest.empty()) {
      const std::size_t space = rest.find(' ');
      keys.push_back(phonetic_of_normalized(rest.substr(0, space)));
      rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
    }
  }
  return keys;
}

struct Diminutive {
  std::string stem;
  char gender;  // 'o' or 'a'
};

// "juanito" -> juan/o, "lupita" -> lup/a, "paquito" -> pac/o, "carmencita" -> carmen/a,
// "madrecita" -> madr/a. nullopt when the word has no diminutive ending or too short a stem.
std::optional<Diminutive> diminutive_stem(std::string_view word) {
  constexpr std::size_t kStemMin = 2;
  for (const std::string_view suffix : {"cito", "cita"}) {
    if (!word.ends_with(suffix)) continue;
    std::string stem(word.substr(0, word.size() - suffix.size()));
    // -cito follows n, r and e ("Ramoncito", "amorcito", "madrecita").
    if (stem.size() < kStemMin ||
        (stem.back() != 'n' && stem.back() != 'r' && stem.back() != 'e')) {
      break;
    }
    if (stem.back() == 'e') stem.pop_back();
    return Diminutive{stem, suffix.back()};
  }
  for (const std::string_view suffix : {"ito", "ita", "illo", "illa"}) {
    if (!word.ends_with(suffix) || word.size() - suffix.size() < kStemMin) continue;
    std::string stem(word.substr(0, word.size() - suffix.size()));
    // Spelling keeps the sound: Paco -> Paquito, Diego -> Dieguito.
    if (stem.ends_with("qu")) stem.replace(stem.size() - 2, 2, "c");
    if (stem.ends_with("gu")) stem.pop_back();
    return Diminutive{stem, suffix.back()};
  }
  return std::nullopt;
}

// One word of a spoken text or a candidate, with everything matching needs.
struct Word {
  std::string text;                      // normalized
  std::string key;                       // phonetic key
  std::vector<std::string> target_keys;  // full forms if it is a nickname
  std::optional<std::string> dim_key;    // phonetic key of the diminutive stem
  char dim_gender = 0;
  std::string base_key;  // phonetic key without a final a, e or o
  char final_vowel = 0;  // that vowel, or 0
};

Word make_word(std::string_view text) {
  Word w;
  w.text = text;
  w.key = phonetic_of_normalized(text);
  w.target_keys = nickname_target_keys(w.key);
  if (const std::optional<Diminutive> dim = diminutive_stem(text)) {
    w.dim_key = phonetic_of_normalized(dim->stem);
    w.dim_gender = dim->gender;
  }
  const char last = text.empty() ? '\0' : text.back();
  if (text.size() > 2 && (last == 'a' || last == 'e' || last == 'o')) {
    w.base_key = phonetic_of_normalized(text.substr(0, text.size() - 1));
    w.final_vowel = last;
  } else {
    w.base_key = w.key;
  }
  return w;
}

bool contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Both words name the same person through the nickname table.
bool same_by_nickname(const Word& a, const Word& b) {
  if (contains(a.target_keys, b.key) || contains(b.target_keys, a.key)) return true;
  for (const std::string& k : a.target_keys) {
    if (contains(b.target_keys, k)) return true;
  }
  return false;
}

// `dim` is a diminutive of `base`: "juanito"/"juan", "lupita"/"lupe", but not "juanito"/"juana".
bool is_diminutive_of(const Word& dim, const Word& base) {
  if (!dim.dim_key) return false;
  if (base.dim_key && *base.dim_key == *dim.dim_key && base.dim_gender == dim.dim_gender)
    return true;
  const bool gendered = base.final_vowel == 'a' || base.final_vowel == 'o';
  if (gendered && base.final_vowel != dim.dim_gender) return false;
  return *dim.dim_key == base.base_key || *dim.dim_key == base.key;
}

// Scores of word-to-word evidence; see score() in the header.
constexpr double kExactScore = 1.0;
constexpr double kSoundAlikeScore = 0.95;
constexpr double kJoinedSoundAlikeScore = 0.93;
constexpr double kNicknameScore = 0.90;
// A typo costs this share of the word per edit: one edit in 7 letters leaves 0.84, in 5
// letters 0.77 (below kResolveScoreMin, so "mario" never silently becomes "maria").
constexpr double kTypoCostPerEdit = 1.15;
constexpr double kTypoScoreMax = 0.90;
// Words of three letters or fewer are too short for a typo to be told from another word.
constexpr std::size_t kTypoWordMin = 4;
// A spoken word counts as matching a candidate word at or above this.
constexpr double kWordMatchMin = 0.80;
// Candidate words nobody said lower a score from 1.0 down to this floor.
constexpr double kUnsaidWordsFloor = 0.90;

double typo_score(std::string_view a, std::string_view b) {
  const std::size_t longest = std::max(a.size(), b.size());
  if (longest < kTypoWordMin || longest > limits::kAliasEditWordBytesMax) return 0;
  const double distance = static_cast<double>(edit_distance(a, b));
  const double s = 1.0 - kTypoCostPerEdit * distance / static_cast<double>(longest);
  return std::clamp(s, 0.0, kTypoScoreMax);
}

double word_similarity(const Word& a, const Word& b) {
  if (a.text == b.text) return kExactScore;
  if (a.key == b.key) return kSoundAlikeScore;
  if (same_by_nickname(a, b) || is_diminutive_of(a, b) || is_diminutive_of(b, a)) {
    return kNicknameScore;
  }
  return typo_score(a.key, b.key);
}

// Words that carry no name: articles, possessives, courtesy titles.
constexpr auto kFillerWords = std::to_array<std::string_view>({
    "a",   "al", "de",   "del",   "don",    "dona", "el",  "la",    "las", "los", "mi",
    "mis", "my", "para", "senor", "senora", "sr",   "sra", "srita", "the", "to",
});

bool is_filler(std::string_view word) {
  return std::find(kFillerWords.begin(), kFillerWords.end(), word) != kFillerWords.end();
}

// A text prepared once for many comparisons.
struct Prepared {
  std::string norm;         // normalize()
  std::string key;          // phonetic key of norm
  std::string joined_key;   // key without spaces
  std::vector<Word> words;  // filler words dropped unless nothing else is left
};

Prepared prepare(std::string_view utf8) {
  Prepared p;
  p.norm = normalize(utf8);
  p.key = phonetic_of_normalized(p.norm);
  for (const char c : p.key) {
    if (c != ' ') p.joined_key.push_back(c);
  }
  std::vector<std::string_view> all, kept;
  std::string_view rest = p.norm;
  while (!rest.empty()) {
    const std::size_t space = rest.find(' ');
    const std::string_view word = rest.substr(0, space);
    all.push_back(word);
    if (!is_filler(word)) kept.push_back(word);
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  for (const std::string_view word : kept.empty() ? all : kept) p.words.push_back(make_word(word));
  return p;
}

// Each spoken word takes its best match among the candidate's words; see score().
double word_overlap(const std::vector<Word>& spoken, const std::vector<Word>& candidate) {
  if (spoken.empty() || candidate.empty()) return 0;
  std::vector<bool> matched(candidate.size(), false);
  double sum = 0;
  for (const Word& s : spoken) {
    double best = 0;
    std::size_t best_j = 0;
    for (std::size_t j = 0; j < candidate.size(); ++j) {
      const double sim = word_similarity(s, candidate[j]);
      if (sim > best) best = sim, best_j = j;
    }
    sum += best;
    if (best >= kWordMatchMin) matched[best_j] = true;
  }
  const double coverage = sum / static_cast<double>(spoken.size());
  const double said_share = static_cast<double>(std::count(matched.begin(), matched.end(), true)) /
                            static_cast<double>(candidate.size());
  return coverage * (kUnsaidWordsFloor + (1.0 - kUnsaidWordsFloor) * said_share);
}

// Spoken words run together ("juancarlos") against consecutive candidate words ("Juan Carlos
// Ruiz"): the sound-alike score for joined text, lowered for the candidate words not said.
double run_together(const Prepared& spoken, const std::vector<Word>& candidate) {
  if (spoken.words.size() != 1) return 0;
  const std::string& target = spoken.joined_key;
  for (std::size_t first = 0; first < candidate.size(); ++first) {
    std::string joined;
    for (std::size_t last = first; last < candidate.size(); ++last) {
      joined += candidate[last].key;
      if (joined.size() > target.size()) break;
      if (joined != target || last == first) continue;
      const double said_share =
          static_cast<double>(last - first + 1) / static_cast<double>(candidate.size());
      return kJoinedSoundAlikeScore * (kUnsaidWordsFloor + (1.0 - kUnsaidWordsFloor) * said_share);
    }
  }
  return 0;
}

double round3(double x) { return std::round(x * 1000.0) / 1000.0; }

double score_prepared(const Prepared& spoken, const Prepared& candidate) {
  if (spoken.norm.empty() || candidate.norm.empty()) return 0;
  if (spoken.norm == candidate.norm) return kExactScore;
  double best = word_overlap(spoken.words, candidate.words);
  if (spoken.key == candidate.key) best = std::max(best, kSoundAlikeScore);
  if (spoken.joined_key == candidate.joined_key) best = std::max(best, kJoinedSoundAlikeScore);
  best = std::max(best, run_together(spoken, candidate.words));
  return round3(std::clamp(best, 0.0, 1.0));
}

}  // namespace

double score(std::string_view spoken, std::string_view candidate) {
  return score_prepared(prepare(spoken), prepare(candidate));
}

namespace {

// Scores are rounded to three decimals; this absorbs the rounding of the threshold sums.
constexpr double kScoreEpsilon = 1e-9;

struct Ranked {
  Candidate candidate;
  std::string alias_key;  // normalized alias, the first tie-breaker
};

// The better of the alias and the name; alias and name together serve spoken text that mixes
// them ("Juanca Ruiz").
double entry_score(const Prepared& spoken, const Prepared& alias, const Entry& entry) {
  const Prepared name = prepare(entry.name);
  double best = std::max(score_prepared(spoken, alias), score_prepared(spoken, name));
  if (spoken.words.size() > 1) {
    Prepared both = alias;
    both.words.insert(both.words.end(), name.words.begin(), name.words.end());
    best = std::max(best, round3(word_overlap(spoken.words, both.words)));
  }
  return best;
}

std::vector<Ranked> rank(const Prepared& spoken, std::span<const Entry> book) {
  std::vector<Ranked> ranked;
  ranked.reserve(book.size());
  for (const Entry& entry : book) {
    const Prepared alias = prepare(entry.alias);
    const bool exact = !alias.norm.empty() && alias.norm == spoken.norm;
    ranked.push_back(
        {Candidate{entry.id, exact ? kExactScore : entry_score(spoken, alias, entry), exact},
         alias.norm});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.candidate.score != b.candidate.score) return a.candidate.score > b.candidate.score;
    if (a.candidate.exact != b.candidate.exact) return a.candidate.exact;
    if (a.alias_key != b.alias_key) return a.alias_key < b.alias_key;
    return a.candidate.id < b.candidate.id;
  });
  return ranked;
}

// The first `count_max` ranked entries whose score is at least `score_min`.
std::vector<Candidate> take(const std::vector<Ranked>& ranked, std::size_t count_max,
                            double score_min, bool exact_only) {
  std::vector<Candidate> out;
  for (const Ranked& r : ranked) {
    if (out.size() == count_max) break;
    if (r.candidate.score < score_min - kScoreEpsilon) break;
    if (exact_only && !r.candidate.exact) break;
    out.push_back(r.candidate);
  }
  return out;
}

}  // namespace

Resolution resolve(std::string_view spoken, std::span<const Entry> book) {
  using Status = Resolution::Status;
  Resolution result;
  if (spoken.size() > limits::kSpokenAliasBytesMax) return result;
  const Prepared prepared = prepare(spoken);
  if (prepared.norm.empty() || book.empty()) return result;
  const std::vector<Ranked> ranked = rank(prepared, book);

  const std::vector<Candidate> exact = take(ranked, limits::kAliasCandidatesMax, 1.0, true);
  if (!exact.empty()) {
    result.status = exact.size() == 1 ? Status::kResolved : Status::kAmbiguous;
    result.exact = exact.size() == 1;
    result.confidence = 1.0;
    result.candidates = exact;
    return result;
  }
  const double best = ranked[0].candidate.score;
  const double second = ranked.size() > 1 ? ranked[1].candidate.score : 0.0;
  if (best >= kResolveScoreMin - kScoreEpsilon &&
      best - second >= kResolveMarginMin - kScoreEpsilon) {
    result.status = Status::kResolved;
    result.confidence = best;
    result.candidates = {ranked[0].candidate};
    return result;
  }
  if (best >= kCandidateScoreMin - kScoreEpsilon) {
    result.status = Status::kAmbiguous;
    result.confidence = best;
    result.candidates = take(ranked, limits::kAliasCandidatesMax, kCandidateScoreMin, false);
    return result;
  }
  result.candidates = take(ranked, limits::kAliasSuggestionsMax, 0.001, false);
  return result;
}

}  // namespace centli::alias
