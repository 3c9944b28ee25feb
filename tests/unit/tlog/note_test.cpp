// Signed notes (C2SP signed-note): the reference vectors of the Go
// implementation, the examples of the spec, and refusals.

#include "tlog/note.h"

#include <gtest/gtest.h>

#include <string>

#include "tlog/text.h"

namespace parley::tlog {
namespace {

// golang.org/x/mod/sumdb/note, note_test.go (TestSign, TestOpen): the keys
// "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
// and "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
// (base64 of 0x01 || Ed25519 seed, and 0x01 || public key), the verifier key
// "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop", the text
// and the two signature lines below.
constexpr std::string_view kPeterSeed = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kPeterKey = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr std::string_view kEnochKey = "ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const std::string kText =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
const std::string kPeterSig =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const std::string kEnochSig =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

// c2sp.org/signed-note's example: a text with an empty line of its own.
const std::string kQuasimodoNote =
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed \xC3\xA8 subito sera.\n"
    "\n"
    "\xE2\x80\x94 quasimodo.example/salvatore "
    "NnugSzTjtVAewIS+Z/iJhUPeFDkO/"
    "5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";

// 0x01 || 32 bytes, as the Go key strings carry them.
Bytes typed_key(std::string_view b64) {
  auto bytes = base64_decode(b64);
  EXPECT_TRUE(bytes && bytes->size() == 33 && (*bytes)[0] == 0x01) << b64;
  if (!bytes || bytes->size() != 33) return Bytes(32);
  return Bytes(bytes->begin() + 1, bytes->end());
}

crypto::PublicKey public_key(std::string_view b64) {
  const Bytes raw = typed_key(b64);
  crypto::PublicKey pk{};
  std::copy(raw.begin(), raw.end(), pk.begin());
  return pk;
}

crypto::SecretKey peter() {
  auto key = crypto::SecretKey::from_seed(typed_key(kPeterSeed));
  EXPECT_TRUE(key);
  return std::move(*key);
}

NoteVerifier verifier(std::string_view name, std::string_view b64) {
  auto v = NoteVerifier::ed25519(name, public_key(b64));
  EXPECT_TRUE(v);
  return *v;
}

TEST(SignedNote, GoReferenceKeyIds) {
  EXPECT_EQ(peter().public_key(), public_key(kPeterKey));
  EXPECT_EQ(ed25519_key_id("PeterNeumann", public_key(kPeterKey)), 0xc74f20a3u);
  EXPECT_EQ(ed25519_key_id("EnochRoot", public_key(kEnochKey)), 0xaf0cfe78u);
}

TEST(SignedNote, SignsLikeTheGoReference) {
  // Ed25519 is deterministic (RFC 8032), so the note is byte for byte Go's.
  auto note = SignedNote::from_text(kText);
  ASSERT_TRUE(note);
  ASSERT_TRUE(note->sign("PeterNeumann", peter()));
  EXPECT_EQ(*note->format(), kText + "\n" + kPeterSig);
  // Signing again replaces the line rather than adding one.
  ASSERT_TRUE(note->sign("PeterNeumann", peter()));
  EXPECT_EQ(note->signatures().size(), 1u);
  EXPECT_EQ(*note->format(), kText + "\n" + kPeterSig);
}

TEST(SignedNote, OpensTheGoReference) {
  const std::string both = kText + "\n" + kPeterSig + kEnochSig;
  auto note = SignedNote::parse(both);
  ASSERT_TRUE(note) << note.error().message;
  EXPECT_EQ(note->text(), kText);
  ASSERT_EQ(note->signatures().size(), 2u);
  EXPECT_EQ(note->signatures()[0].key_name, "PeterNeumann");
  EXPECT_EQ(note->signatures()[0].key_id, 0xc74f20a3u);
  EXPECT_EQ(note->signatures()[0].signature.size(), 64u);
  EXPECT_EQ(note->signatures()[1].key_name, "EnochRoot");
  EXPECT_EQ(note->signatures()[1].key_id, 0xaf0cfe78u);
  EXPECT_TRUE(note->verify(verifier("PeterNeumann", kPeterKey)));
  EXPECT_TRUE(note->verify(verifier("EnochRoot", kEnochKey)));
  EXPECT_EQ(*note->format(), both);
}

TEST(SignedNote, UnknownSignersAreKeptAndIgnored) {
  auto note = SignedNote::parse(kText + "\n" + kEnochSig + kPeterSig);
  ASSERT_TRUE(note);
  EXPECT_TRUE(note->verify(verifier("PeterNeumann", kPeterKey)));
  // Adding a signature keeps Enoch's line, unverified, where it was.
  auto other = crypto::SecretKey::generate();
  ASSERT_TRUE(note->sign("west.example/negotiator", other));
  const std::string out = *note->format();
  EXPECT_TRUE(out.starts_with(kText + "\n" + kEnochSig + kPeterSig +
                              "\xE2\x80\x94 west.example/negotiator "));
  ASSERT_EQ(note->signatures().size(), 3u);
  auto again = SignedNote::parse(out);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->signatures(), note->signatures());
  EXPECT_TRUE(again->verify(verifier("PeterNeumann", kPeterKey)));
  EXPECT_TRUE(note->verify(*NoteVerifier::ed25519("west.example/negotiator", other.public_key())));
}

TEST(SignedNote, SameNameOrSameIdIsNotTheKey) {
  auto note = SignedNote::parse(kText + "\n" + kPeterSig);
  ASSERT_TRUE(note);
  // Another key under Peter's name has another ID: its verifier finds no line.
  auto impostor = crypto::SecretKey::generate();
  auto by_name = NoteVerifier::ed25519("PeterNeumann", impostor.public_key());
  ASSERT_TRUE(by_name);
  EXPECT_EQ(note->verify(*by_name).error().code, "tlog_unsigned");
  // Peter's key under another name: another ID too.
  EXPECT_EQ(note->verify(verifier("PeterNeumann2", kPeterKey)).error().code, "tlog_unsigned");
  // A verifier that claims Peter's name and ID with another key finds the
  // line and the signature fails.
  NoteVerifier forged = *by_name;
  forged.key_id = 0xc74f20a3u;
  EXPECT_EQ(note->verify(forged).error().code, "tlog_bad_signature");
}

TEST(SignedNote, ModifiedTextFails) {
  std::string changed = kText + "\n" + kPeterSig;
  changed[3] = 'Y';
  auto note = SignedNote::parse(changed);
  ASSERT_TRUE(note);
  EXPECT_EQ(note->verify(verifier("PeterNeumann", kPeterKey)).error().code, "tlog_bad_signature");
}

TEST(SignedNote, SignatureOfTheWrongLengthFails) {
  // Go's TestOpen: four more base64 characters inside Peter's signature.
  const std::string sig = kPeterSig.substr(0, 60) + "ABCD" + kPeterSig.substr(60);
  auto note = SignedNote::parse(kText + "\n" + sig);
  ASSERT_TRUE(note);
  EXPECT_EQ(note->verify(verifier("PeterNeumann", kPeterKey)).error().code, "tlog_bad_signature");
}

TEST(SignedNote, DuplicateLinesMustAllVerify) {
  auto note = SignedNote::parse(kText + "\n" + kPeterSig + kPeterSig + kEnochSig);
  ASSERT_TRUE(note);
  EXPECT_TRUE(note->verify(verifier("PeterNeumann", kPeterKey)));
  // A second line of Peter's that does not verify spoils the note for Peter.
  std::string bad = kPeterSig;
  bad[bad.size() - 6] = bad[bad.size() - 6] == 'A' ? 'B' : 'A';
  auto spoiled = SignedNote::parse(kText + "\n" + kPeterSig + bad);
  ASSERT_TRUE(spoiled);
  EXPECT_EQ(spoiled->verify(verifier("PeterNeumann", kPeterKey)).error().code,
            "tlog_bad_signature");
}

TEST(SignedNote, SpecExampleWithAnEmptyLineInItsText) {
  auto note = SignedNote::parse(kQuasimodoNote);
  ASSERT_TRUE(note) << note.error().message;
  // "the text is separated from the signatures by the last empty line"
  EXPECT_EQ(note->text(),
            "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned "
            "\xC3\xA8 subito sera.\n");
  ASSERT_EQ(note->signatures().size(), 1u);
  EXPECT_EQ(note->signatures()[0].key_name, "quasimodo.example/salvatore");
  EXPECT_EQ(*note->format(), kQuasimodoNote);
}

TEST(SignedNote, MalformedNotes) {
  // Go's TestOpen list of malformed messages, then ours.
  const std::vector<std::string> bad = {
      kText,
      kText + "\n",
      kText + "\n" + kPeterSig.substr(0, kPeterSig.size() - 1),  // no final newline
      "\x01" + kText + "\n" + kPeterSig,                         // control character
      "\xff" + kText + "\n" + kPeterSig,                         // not UTF-8
      kText + "\n" +
          "\xE2\x80\x94 Bad Name "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
          "=",
      kText + "\n" + kPeterSig + "Unexpected line.\n",
      "",
      "\n",
      "\n\n",
      kText + "\n\n" + kPeterSig,  // text ends in a blank line: fine, see below
      kText + "\r\n" + kPeterSig,  // CR
      kText + "\n" +
          "- PeterNeumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          "\n",
      kText + "\n" +
          "\xE2\x80\x94  "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          "\n",
      kText + "\n" +
          "\xE2\x80\x94 Peter+Neumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          "\n",
      kText + "\n" +
          "\xE2\x80\x94 Peter\xC2\xA0Neumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          "\n",
      kText + "\n" +
          "\xE2\x80\x94 PeterNeumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM"
          "\n",  // no padding
      kText + "\n" +
          "\xE2\x80\x94 PeterNeumann "
          "x08go_ZJkuBS9UG_"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          "\n",  // base64url
      kText + "\n" +
          "\xE2\x80\x94 PeterNeumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAN="
          "\n",  // trailing bits
      kText + "\n" +
          "\xE2\x80\x94 PeterNeumann "
          "x08go/ZJkuBS9UG/"
          "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
          " \n",                                              // trailing space
      kText + "\n" + "\xE2\x80\x94 PeterNeumann AAAAAA==\n",  // key ID and nothing else
      kText + "\n" + kPeterSig + "\n",                        // blank line after the signatures
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    if (i == 10) continue;
    auto note = SignedNote::parse(bad[i]);
    ASSERT_FALSE(note) << "case " << i;
    EXPECT_EQ(note.error().code, "tlog_bad_note") << "case " << i;
  }
  // A text may itself end in an empty line: the last blank line separates.
  auto note = SignedNote::parse(bad[10]);
  ASSERT_TRUE(note);
  EXPECT_EQ(note->text(), kText + "\n");
}

TEST(Base64, StrictStandardAlphabet) {
  EXPECT_EQ(base64_encode(Bytes{}), "");
  EXPECT_EQ(base64_encode(Bytes{'f'}), "Zg==");
  EXPECT_EQ(base64_encode(Bytes{'f', 'o'}), "Zm8=");
  EXPECT_EQ(base64_encode(Bytes{'f', 'o', 'o'}), "Zm9v");
  EXPECT_EQ(base64_encode(Bytes{0xFB, 0xFF}), "+/8=");
  EXPECT_EQ(*base64_decode("Zm9vYg=="), (Bytes{'f', 'o', 'o', 'b'}));
  EXPECT_EQ(*base64_decode("+/8="), (Bytes{0xFB, 0xFF}));
  EXPECT_TRUE(base64_decode("")->empty());
  for (std::string_view bad : {"Zg", "Zg=", "Zg===", "Zh==", "Zm9=", "Zm8", "Z===", "====",
                               "Zg==Zg==", "Zm 9v", "Zm9v\n", "-_8=", "Zm9\xCB", "Zm\xCB\xAE"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
  // Every byte above 0x7F is refused (libsodium 1.0.18 takes them for '/').
  for (int c = 0x80; c <= 0xFF; ++c) {
    const std::string text = std::string("AAA") + static_cast<char>(c);
    EXPECT_FALSE(base64_decode(text)) << c;
  }
}

TEST(SignedNote, Limits) {
  std::string many = kText + "\n";
  for (int i = 0; i < 65; ++i) many += kPeterSig;
  auto note = SignedNote::parse(many);
  ASSERT_FALSE(note);
  EXPECT_EQ(note.error().code, "tlog_too_large");
  EXPECT_TRUE(SignedNote::parse(many, NoteLimits{.max_bytes = 1 << 20, .max_signatures = 65}));
  // The spec's floor: at least 16 signatures of nearly 5 kB each.
  std::string big = kText + "\n";
  for (int i = 0; i < 16; ++i) {
    big += "\xE2\x80\x94 pq.example/key" + std::to_string(i) + " " +
           base64_encode(Bytes(4 + 4900, static_cast<std::uint8_t>(i))) + "\n";
  }
  EXPECT_TRUE(SignedNote::parse(big)) << big.size();
  auto small = SignedNote::parse(kText + "\n" + kPeterSig, NoteLimits{.max_bytes = 100});
  ASSERT_FALSE(small);
  EXPECT_EQ(small.error().code, "tlog_too_large");
}

TEST(SignedNote, FromTextAndKeyNames) {
  EXPECT_EQ(SignedNote::from_text("").error().code, "tlog_bad_note");
  EXPECT_EQ(SignedNote::from_text("no newline").error().code, "tlog_bad_note");
  EXPECT_EQ(SignedNote::from_text("tab\there\n").error().code, "tlog_bad_note");
  auto note = SignedNote::from_text("one line\n");
  ASSERT_TRUE(note);
  EXPECT_EQ(note->format().error().code, "tlog_unsigned");
  auto key = crypto::SecretKey::generate();
  EXPECT_EQ(note->sign("", key).error().code, "tlog_bad_key_name");
  EXPECT_EQ(note->sign("a b", key).error().code, "tlog_bad_key_name");
  EXPECT_EQ(note->sign("a+b", key).error().code, "tlog_bad_key_name");
  EXPECT_EQ(note->sign("a\xE3\x80\x80"
                       "b",
                       key)
                .error()
                .code,
            "tlog_bad_key_name");  // U+3000
  EXPECT_EQ(NoteVerifier::ed25519("a\tb", key.public_key()).error().code, "tlog_bad_key_name");
  EXPECT_TRUE(note->sign("d\xC3\xA9l\xC3\xA9gation.example/est", key));  // non-ASCII is fine
  EXPECT_TRUE(valid_key_name("parley.example/meeting/mtg_01"));
}

}  // namespace
}  // namespace parley::tlog
