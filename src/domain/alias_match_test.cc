#include "domain/alias_match.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "util/limits.h"

namespace centli::alias {
namespace {

using Status = Resolution::Status;

// --- normalization ---

TEST(AliasNormalize, FoldsCaseAccentsAndPunctuation) {
  struct Case {
    std::string_view input;
    std::string_view key;
  };
  const Case cases[] = {
      {"Mamá", "mama"},
      {"mama", "mama"},
      {" MAMA ", "mama"},
      {"MAMÁ", "mama"},
      {"mamá.", "mama"},
      {"¡Mamá!", "mama"},
      {"¿Papá?", "papa"},
      {"\tMamá\n", "mama"},
      {"ÁÉÍÓÚÜÑ áéíóúüñ", "aeiouun aeiouun"},
      {"Ñoño", "nono"},
      {"Güero", "guero"},
      {"José  María", "jose maria"},
      {"Tía-Chela", "tia chela"},
      {"O'Brien", "obrien"},
      {"O\u2019Brien", "obrien"},  // typographic apostrophe
      {"J.C. Pérez", "j c perez"},
      {"Pérez, Juan", "perez juan"},
      {"Juan\u00a0Pérez", "juan perez"},    // no-break space
      {"Juan \u2013 Pérez", "juan perez"},  // en dash
      {"Ma\u0301ma\u0301", "mama"},         // decomposed accents
      {"ŁUKASZ Škoda", "lukasz skoda"},     // Latin Extended-A
      {"Œuvre Straße", "oeuvre strasse"},
      {"Dani 2", "dani 2"},
      {"", ""},
      {"   ", ""},
      {"---", ""},
      {"mam\xff", "mam"},  // a malformed byte counts as a space, then is trimmed
      {"Σοφία", "Σοφία"},  // other scripts pass through unchanged
  };
  for (const Case& c : cases) {
    EXPECT_EQ(normalize(c.input), c.key) << c.input;
  }
}

// --- validation ---

TEST(AliasValidate, AcceptsLettersDigitsSpacesApostrophesAndHyphens) {
  const std::string forty_letters(40, 'a');
  std::string forty_accented;
  for (int i = 0; i < 40; ++i) forty_accented += "á";
  for (const std::string_view alias :
       {std::string_view("Mamá"), std::string_view("Juan Carlos"), std::string_view("O'Brien"),
        std::string_view("O\u2019Brien"), std::string_view("Tía-Chela"), std::string_view("Dani 2"),
        std::string_view("ÑOÑO"), std::string_view("Ma\u0301ma"), std::string_view(forty_letters),
        std::string_view(forty_accented)}) {
    EXPECT_TRUE(valid_alias(alias)) << alias;
    EXPECT_TRUE(check_alias(alias).has_value()) << alias;
  }
}

TEST(AliasValidate, RefusesInOrderOfPrecedence) {
  struct Case {
    std::string input;
    std::string_view message;
  };
  const Case cases[] = {
      {"", "alias is empty"},
      {"mam\xff", "alias is not valid UTF-8"},
      {"Mam\xc3", "alias is not valid UTF-8"},           // truncated sequence
      {"\xc0\xafMama", "alias is not valid UTF-8"},      // overlong '/'
      {"\xed\xa0\x80Mama", "alias is not valid UTF-8"},  // surrogate
      {std::string(41, 'a'), "alias is longer than 40 characters"},
      {std::string(41, 'a') + "!", "alias is longer than 40 characters"},
      {"Mamá!", "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"J.C.", "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"Mamá\t", "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"Mamá \U0001F600",
       "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"\u0301a", "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"Juan×Pérez", "alias may contain only letters, digits, spaces, apostrophes and hyphens"},
      {"   ", "alias must contain a letter or a digit"},
      {"-'-", "alias must contain a letter or a digit"},
  };
  for (const Case& c : cases) {
    const auto result = check_alias(c.input);
    ASSERT_FALSE(result.has_value()) << c.input;
    EXPECT_EQ(result.error(), c.message) << c.input;
    EXPECT_FALSE(valid_alias(c.input)) << c.input;
  }
}

TEST(AliasValidateName, AllowsPeriodsCommasAndOneHundredCharacters) {
  EXPECT_TRUE(valid_name("Ma. de la Luz Pérez"));
  EXPECT_TRUE(valid_name("Pérez López, Juan"));
  EXPECT_TRUE(valid_name(std::string(100, 'x')));
  EXPECT_EQ(check_name(std::string(101, 'x')).error(), "name is longer than 100 characters");
  EXPECT_EQ(check_name("").error(), "name is empty");
  EXPECT_FALSE(valid_name("Juan@Pérez"));
  EXPECT_FALSE(valid_name("..."));
}

// --- phonetic key and edit distance ---

TEST(AliasPhoneticKey, FoldsMexicanSpanishSoundAlikes) {
  struct Case {
    std::string_view input;
    std::string_view key;
  };
  const Case cases[] = {
      {"Valeria", "baleria"},   {"Baleria", "baleria"},     {"Hugo", "ugo"},
      {"Ugo", "ugo"},           {"Cecilia", "sesilia"},     {"Zoila", "soila"},
      {"Quique", "kike"},       {"Kike", "kike"},           {"Casa", "kasa"},
      {"Guillermo", "giyermo"}, {"Gerardo", "jerardo"},     {"Jorge", "jorje"},
      {"Yolanda", "yolanda"},   {"Nely", "neli"},           {"Ximena", "jimena"},
      {"Xóchitl", "sochitl"},   {"Alexis", "aleksis"},      {"Chucho", "chucho"},
      {"Wendy", "uendi"},       {"Carrillo", "kariyo"},     {"Anna", "ana"},
      {"Enviar", "embiar"},     {"Guadalupe", "guadalupe"}, {"Tía Chela", "tia chela"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(phonetic_key(c.input), c.key) << c.input;
  }
}

TEST(AliasEditDistance, CountsTranspositionsAsOneEdit) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", "abc"), 0u);
  EXPECT_EQ(edit_distance("ca", "ac"), 1u);
  EXPECT_EQ(edit_distance("valeria", "valeira"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("casero", "casro"), 1u);
}

// --- score ---

TEST(AliasScore, RanksEvidenceFromExactDownToTypos) {
  EXPECT_EQ(score("mama", "Mamá"), 1.0);
  EXPECT_EQ(score("Baleria", "Valeria"), 0.95);
  EXPECT_EQ(score("juanito", "Juan"), 0.9);
  EXPECT_EQ(score("lupe", "Lupita"), 0.9);
  EXPECT_EQ(score("pepe", "José"), 0.9);
  EXPECT_NEAR(score("valeira", "Valeria"), 0.836, 1e-9);
  EXPECT_LT(score("juan perez", "Juan Pérez López"), 1.0);
  EXPECT_GT(score("juan perez", "Juan Pérez López"), 0.95);
  EXPECT_LT(score("mario", "María"), kResolveScoreMin);
  EXPECT_LT(score("juanito", "Juana"), kCandidateScoreMin);  // a diminutive keeps its gender
  EXPECT_EQ(score("", "Mamá"), 0.0);
  EXPECT_EQ(score("mama", ""), 0.0);
}

TEST(AliasScore, StaysWithinZeroAndOne) {
  for (const std::string_view spoken : {"a", "mama", "xyzzy", "juan juan juan", "1234"}) {
    for (const std::string_view candidate : {"Mamá", "Juan Pérez", "z", "Tía Chela"}) {
      const double s = score(spoken, candidate);
      EXPECT_GE(s, 0.0) << spoken << " / " << candidate;
      EXPECT_LE(s, 1.0) << spoken << " / " << candidate;
    }
  }
}

// --- resolution ---

// A realistic address book. Tía Chela's account is a CLABE at another bank (BANORTE); the
// others are internal accounts. Two Juans, a Daniel and a Daniela, and shared surnames
// (López, Ruiz) make ambiguity possible.
const std::vector<Entry>& book() {
  static const std::vector<Entry> entries = {
      {"b-mama", "Mamá", "María López Hernández"},
      {"b-papa", "Papá", "José Sánchez Ruiz"},
      {"b-juan", "Juan", "Juan Pérez López"},
      {"b-juanca", "Juanca", "Juan Carlos Ruiz Ortega"},
      {"b-lupita", "Lupita", "Guadalupe Torres Medina"},
      {"b-casero", "Casero", "Héctor Villanueva Soto"},
      {"b-valeria", "Valeria", "Valeria Domínguez Ortiz"},
      {"b-beto", "Beto", "Alberto Gómez Rivera"},
      {"b-hugo", "Hugo", "Hugo Herrera Campos"},
      {"b-gera", "Gera", "Gerardo Jiménez Luna"},
      {"b-ximena", "Ximena", "Ximena Castillo Reyes"},
      {"b-chela", "Tía Chela", "Graciela Núñez Vargas"},
      {"b-dani", "Dani", "Daniel Ortega Silva"},
      {"b-daniela", "Daniela", "Daniela Ríos Fuentes"},
  };
  return entries;
}

std::string ids_of(const Resolution& r) {
  std::string out;
  for (const Candidate& c : r.candidates) out += (out.empty() ? "" : " ") + c.id;
  return out;
}

struct ResolveCase {
  std::string_view spoken;
  Status status;
  bool exact;
  // Candidate ids in rank order; "*" skips the check (nearest suggestions of kNotFound).
  std::string_view ids;
};

constexpr ResolveCase kResolveCases[] = {
    // Exact normalized alias: accents, case, spaces and punctuation do not matter.
    {"Mamá", Status::kResolved, true, "b-mama"},
    {"mama", Status::kResolved, true, "b-mama"},
    {" MAMA ", Status::kResolved, true, "b-mama"},
    {"MAMÁ", Status::kResolved, true, "b-mama"},
    {"mamá.", Status::kResolved, true, "b-mama"},
    {"Papá", Status::kResolved, true, "b-papa"},
    {"PAPA", Status::kResolved, true, "b-papa"},
    {"juan", Status::kResolved, true, "b-juan"},
    {"Juanca", Status::kResolved, true, "b-juanca"},
    {"lupita", Status::kResolved, true, "b-lupita"},
    {"casero", Status::kResolved, true, "b-casero"},
    {"valeria", Status::kResolved, true, "b-valeria"},
    {"beto", Status::kResolved, true, "b-beto"},
    {"hugo", Status::kResolved, true, "b-hugo"},
    {"Tía-Chela", Status::kResolved, true, "b-chela"},
    {"tia chela", Status::kResolved, true, "b-chela"},
    {"dani", Status::kResolved, true, "b-dani"},
    {"daniela", Status::kResolved, true, "b-daniela"},
    // Affectionate forms of family words.
    {"mami", Status::kResolved, false, "b-mama"},
    {"mamita", Status::kResolved, false, "b-mama"},
    {"ma", Status::kResolved, false, "b-mama"},
    {"jefa", Status::kResolved, false, "b-mama"},
    {"mi mamá", Status::kResolved, false, "b-mama"},
    {"la jefecita", Status::kResolved, false, "b-mama"},
    {"papi", Status::kResolved, false, "b-papa"},
    {"papito", Status::kResolved, false, "b-papa"},
    {"jefe", Status::kResolved, false, "b-papa"},
    // Names instead of aliases, nicknames, diminutives.
    {"pepe", Status::kResolved, false, "b-papa"},  // Pepe is José
    {"maria", Status::kResolved, false, "b-mama"},
    {"María López", Status::kResolved, false, "b-mama"},
    {"juan perez", Status::kResolved, false, "b-juan"},
    {"Juanito Pérez", Status::kResolved, false, "b-juan"},
    {"juan carlos", Status::kResolved, false, "b-juanca"},
    {"juancarlos", Status::kResolved, false, "b-juanca"},
    {"Juanca Ruiz", Status::kResolved, false, "b-juanca"},
    {"lupe", Status::kResolved, false, "b-lupita"},
    {"Guadalupe", Status::kResolved, false, "b-lupita"},
    {"alberto", Status::kResolved, false, "b-beto"},
    {"roberto", Status::kResolved, false, "b-beto"},
    {"Beto Gómez", Status::kResolved, false, "b-beto"},
    {"graciela", Status::kResolved, false, "b-chela"},
    {"chela", Status::kResolved, false, "b-chela"},
    {"landlord", Status::kResolved, false, "b-casero"},
    {"el casero", Status::kResolved, false, "b-casero"},
    {"Sr. Villanueva", Status::kResolved, false, "b-casero"},
    // Sound-alikes of a transcript: b/v, silent h, g/j, x/j, y/i.
    {"Baleria", Status::kResolved, false, "b-valeria"},
    {"Balerya", Status::kResolved, false, "b-valeria"},
    {"ugo", Status::kResolved, false, "b-hugo"},
    {"Hugito", Status::kResolved, false, "b-hugo"},
    {"jerardo", Status::kResolved, false, "b-gera"},
    {"Jimena", Status::kResolved, false, "b-ximena"},
    {"dany", Status::kResolved, false, "b-dani"},
    // Small typos in longer words.
    {"Valeira", Status::kResolved, false, "b-valeria"},
    {"Lupiat", Status::kResolved, false, "b-lupita"},
    {"casro", Status::kResolved, false, "b-casero"},
    {"Valerita", Status::kResolved, false, "b-valeria"},
    // Close candidates: centli does not choose.
    {"juanito", Status::kAmbiguous, false, "b-juan b-juanca"},
    {"daniel", Status::kAmbiguous, false, "b-dani b-daniela"},
    {"lopez", Status::kAmbiguous, false, "b-juan b-mama"},
    {"ruiz", Status::kAmbiguous, false, "b-papa b-juanca"},
    {"mario", Status::kAmbiguous, false, "b-mama"},  // one typo in five letters is not enough
    // Nothing close.
    {"pedro", Status::kNotFound, false, "*"},
    {"fernando", Status::kNotFound, false, "*"},
    {"abuela", Status::kNotFound, false, "*"},
    {"chuy", Status::kNotFound, false, "*"},
    {"hermano", Status::kNotFound, false, "*"},
    {"netflix", Status::kNotFound, false, "*"},
    {"", Status::kNotFound, false, ""},
    {"   ", Status::kNotFound, false, ""},
    {"1234", Status::kNotFound, false, ""},
};

TEST(AliasResolve, ResolvesTheSpokenFormsTable) {
  static_assert(std::size(kResolveCases) >= 40);
  for (const ResolveCase& c : kResolveCases) {
    const Resolution r = resolve(c.spoken, book());
    EXPECT_EQ(r.status, c.status) << "'" << c.spoken << "' got " << ids_of(r);
    EXPECT_EQ(r.exact, c.exact) << c.spoken;
    if (c.ids != "*") {
      EXPECT_EQ(ids_of(r), c.ids) << c.spoken;
    }
    if (r.status == Status::kResolved) {
      ASSERT_EQ(r.candidates.size(), 1u) << c.spoken;
      EXPECT_EQ(r.candidates[0].exact, c.exact) << c.spoken;
      EXPECT_GE(r.confidence, kResolveScoreMin) << c.spoken;
      EXPECT_EQ(r.confidence, r.candidates[0].score) << c.spoken;
    }
    if (r.status == Status::kAmbiguous) {
      EXPECT_LE(r.candidates.size(), limits::kAliasCandidatesMax) << c.spoken;
      EXPECT_GE(r.candidates.back().score, kCandidateScoreMin) << c.spoken;
    }
    if (r.status == Status::kNotFound) {
      EXPECT_EQ(r.confidence, 0.0) << c.spoken;
      EXPECT_LE(r.candidates.size(), limits::kAliasSuggestionsMax) << c.spoken;
      for (const Candidate& s : r.candidates) {
        EXPECT_LT(s.score, kCandidateScoreMin) << c.spoken;
      }
    }
  }
}

TEST(AliasResolve, DoesNotDependOnTheOrderOfTheBook) {
  std::vector<Entry> reversed(book().rbegin(), book().rend());
  for (const ResolveCase& c : kResolveCases) {
    const Resolution a = resolve(c.spoken, book());
    const Resolution b = resolve(c.spoken, reversed);
    EXPECT_EQ(a.status, b.status) << c.spoken;
    EXPECT_EQ(ids_of(a), ids_of(b)) << c.spoken;
  }
}

TEST(AliasResolve, BreaksScoreTiesByAliasThenIdAndKeepsFive) {
  const std::vector<Entry> anas = {
      {"a7", "Ana Siete", "Ana Ruiz"},  {"a1", "Ana Uno", "Ana Ruiz"},
      {"a2", "Ana Dos", "Ana Ruiz"},    {"a3", "Ana Tres", "Ana Ruiz"},
      {"a4", "Ana Cuatro", "Ana Ruiz"}, {"a5", "Ana Cinco", "Ana Ruiz"},
      {"a6b", "Ana Seis", "Ana Ruiz"},  {"a6a", "Ana Seis", "Ana Ruiz"},
  };
  const Resolution r = resolve("ana", anas);
  EXPECT_EQ(r.status, Status::kAmbiguous);
  EXPECT_EQ(ids_of(r), "a5 a4 a2 a6a a6b");
}

TEST(AliasResolve, TreatsDuplicateExactAliasesAsAmbiguous) {
  const std::vector<Entry> twins = {{"x2", "Mamá", "María López"}, {"x1", "mama", "Otra Persona"}};
  const Resolution r = resolve("MAMÁ", twins);
  EXPECT_EQ(r.status, Status::kAmbiguous);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(ids_of(r), "x1 x2");
}

TEST(AliasResolve, PrefersAnExactAliasOverAnExactName) {
  const std::vector<Entry> entries = {{"n", "Tío", "Juan"}, {"a", "Juan", "Juan Pérez"}};
  const Resolution r = resolve("juan", entries);
  EXPECT_EQ(r.status, Status::kResolved);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(ids_of(r), "a");
}

TEST(AliasResolve, RefusesOversizeSpokenTextWithoutCandidates) {
  std::string spoken = "mama";
  spoken.append(limits::kSpokenAliasBytesMax, ' ');
  const Resolution r = resolve(spoken, book());
  EXPECT_EQ(r.status, Status::kNotFound);
  EXPECT_TRUE(r.candidates.empty());
  // At the limit it is still resolved.
  spoken.resize(limits::kSpokenAliasBytesMax);
  EXPECT_EQ(resolve(spoken, book()).status, Status::kResolved);
}

TEST(AliasResolve, FindsNothingInAnEmptyBook) {
  const Resolution r = resolve("mama", {});
  EXPECT_EQ(r.status, Status::kNotFound);
  EXPECT_TRUE(r.candidates.empty());
}

TEST(AliasResolve, HandlesLongWordsWithoutEditDistance) {
  std::string long_word;
  while (long_word.size() <= limits::kAliasEditWordBytesMax) long_word += "pamelo";
  const std::vector<Entry> entries = {{"l", long_word + "a", "Nombre"}};
  // One letter apart, but too long to compare by edit distance: no fuzzy match.
  EXPECT_EQ(resolve(long_word + "e", entries).status, Status::kNotFound);
  EXPECT_EQ(resolve(long_word + "a", entries).status, Status::kResolved);
}

}  // namespace
}  // namespace centli::alias
