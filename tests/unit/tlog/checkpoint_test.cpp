// Checkpoints (C2SP tlog-checkpoint) in signed notes: the spec's example,
// a meeting's checkpoint signed by the log and cosigned by both parties, and
// refusals of bad checkpoint text.

#include "tlog/checkpoint.h"

#include <gtest/gtest.h>

#include <string>

#include "tlog/merkle_tree.h"
#include "tlog/proof.h"
#include "tlog/text.h"

namespace parley::tlog {
namespace {

// c2sp.org/tlog-checkpoint's example.
const std::string kSpecText =
    "example.com/behind-the-sofa\n"
    "20852163\n"
    "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
const std::string kSpecNote = kSpecText + "\n" +
                              "\xE2\x80\x94 example.com/behind-the-sofa "
                              "Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/"
                              "Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n";

crypto::SecretKey key_from(std::uint8_t fill) {
  const Bytes seed(crypto::kSeedBytes, fill);
  return std::move(*crypto::SecretKey::from_seed(seed));
}

NoteVerifier verifier_of(std::string_view name, const crypto::SecretKey& key) {
  return *NoteVerifier::ed25519(name, key.public_key());
}

MerkleTree tree_of(int n) {
  MerkleTree tree;
  for (int i = 0; i < n; ++i) tree.append(as_bytes("entry " + std::to_string(i)));
  return tree;
}

TEST(Checkpoint, SpecExample) {
  auto note = SignedNote::parse(kSpecNote);
  ASSERT_TRUE(note) << note.error().message;
  auto cp = parse_checkpoint(note->text());
  ASSERT_TRUE(cp) << cp.error().message;
  EXPECT_EQ(cp->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(cp->size, 20852163u);
  EXPECT_EQ(base64_encode(cp->root), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
  EXPECT_TRUE(cp->extensions.empty());
  EXPECT_EQ(*format_checkpoint(*cp), kSpecText);
  EXPECT_EQ(*note->format(), kSpecNote);
  ASSERT_EQ(note->signatures().size(), 1u);
  EXPECT_EQ(note->signatures()[0].key_name, cp->origin);  // "SHOULD match the origin line"
}

// The example of docs/record.md, "Merkle log and checkpoints": if this
// fails, the code or the document changed and the other must follow.
TEST(Checkpoint, DocumentedExample) {
  const std::string documented =
      "parley.example/meeting/mtg_leaders_video_call_01\n"
      "42\n"
      "qFVVhqn4UsbzCJ+3Q73MPXM0q9qyyg2HYsVWFiQOaFE=\n"
      "\n"
      "\xE2\x80\x94 parley.example/meeting/mtg_leaders_video_call_01 "
      "PGLTSmpMuuyGHjRjn7vDnLo7e+dMQyhV5lTizcmKJ8KESFMw0wL3tp6mKiDo5QJsNMcw4J6nODuLL+/"
      "MoGgHn6IJzQ8=\n"
      "\xE2\x80\x94 parley.example/party/east "
      "ZrM0Mm2dQpOQfQno0yE2vDELYYMmI2/"
      "zwWc6aChpiA5T9EwHc0M8yqZ8eChzHV398IaMOkQ3VUKACRs++7GouoURLAo=\n"
      "\xE2\x80\x94 parley.example/party/west "
      "AcIlTDqOOoJh7hw/"
      "FCR6g8lWPiMt2EQv41iIDYs9PZMM2IZ7JuMXGhu0GvTUX2+PsnYWnL8I+Dtgm0cjnuF9fVariAE=\n";
  const auto log_key = key_from(0x11), east = key_from(0x22), west = key_from(0x33);
  const std::string origin = *meeting_origin("mtg_leaders_video_call_01");
  const MerkleTree tree = tree_of(42);
  EXPECT_EQ(hex_encode(tree.root()),
            "a8555586a9f852c6f3089fb743bdcc3d7334abdab2ca0d8762c55616240e6851");
  auto note = sign_checkpoint({origin, tree.size(), tree.root(), {}}, origin, log_key);
  ASSERT_TRUE(note);
  note = cosign_checkpoint(*note, "parley.example/party/east", east);
  ASSERT_TRUE(note);
  note = cosign_checkpoint(*note, "parley.example/party/west", west);
  ASSERT_TRUE(note);
  EXPECT_EQ(*note, documented);
  EXPECT_EQ(ed25519_key_id(origin, log_key.public_key()), 0x3c62d34au);
  EXPECT_EQ(ed25519_key_id("parley.example/party/east", east.public_key()), 0x66b33432u);
  EXPECT_EQ(ed25519_key_id("parley.example/party/west", west.public_key()), 0x01c2254cu);
}

TEST(Checkpoint, MeetingOrigin) {
  EXPECT_EQ(*meeting_origin("mtg_leaders_video_call_01"),
            "parley.example/meeting/mtg_leaders_video_call_01");
  EXPECT_EQ(*meeting_origin("mtg_01", "talks.east.example/log/"), "talks.east.example/log/mtg_01");
  EXPECT_EQ(meeting_origin("").error().code, "tlog_bad_key_name");
  EXPECT_EQ(meeting_origin("a b").error().code, "tlog_bad_key_name");
  EXPECT_EQ(meeting_origin("a+b").error().code, "tlog_bad_key_name");
  EXPECT_EQ(meeting_origin("mtg", "bad prefix/").error().code, "tlog_bad_key_name");
}

// The whole flow of the record: the server checkpoints the log, each side
// checks consistency with the checkpoint it cosigned last and cosigns, and
// anyone holding the three keys verifies the final note.
TEST(Checkpoint, SignedByTheLogAndCosignedByBothParties) {
  const std::string origin = *meeting_origin("mtg_leaders_video_call_01");
  const auto log_key = key_from(1), east = key_from(2), west = key_from(3);
  const std::string east_name = "parley.example/party/east",
                    west_name = "parley.example/party/west";

  MerkleTree tree = tree_of(5);
  const Checkpoint first{origin, tree.size(), tree.root(), {}};
  auto note5 = sign_checkpoint(first, origin, log_key);
  ASSERT_TRUE(note5);
  auto cosigned5 = cosign_checkpoint(*note5, east_name, east);
  ASSERT_TRUE(cosigned5);
  cosigned5 = cosign_checkpoint(*cosigned5, west_name, west);
  ASSERT_TRUE(cosigned5);

  for (int i = 5; i < 12; ++i) tree.append(as_bytes("entry " + std::to_string(i)));
  auto note12 = sign_checkpoint({origin, tree.size(), tree.root(), {}}, origin, log_key);
  ASSERT_TRUE(note12);
  EXPECT_TRUE(note12->starts_with(*format_checkpoint({origin, 12, tree.root(), {}}) + "\n" +
                                  "\xE2\x80\x94 " + origin + " "));

  // East: the new checkpoint extends the one it cosigned.
  auto previous = open_checkpoint(*cosigned5, verifier_of(east_name, east), origin);
  ASSERT_TRUE(previous);
  auto next = open_checkpoint(*note12, verifier_of(origin, log_key), origin);
  ASSERT_TRUE(next);
  auto proof = tree.consistency_proof(previous->size, next->size);
  ASSERT_TRUE(proof);
  ASSERT_EQ(verify_consistency(previous->size, next->size, previous->root, next->root, *proof),
            ProofStatus::ok);
  auto final_note = cosign_checkpoint(*note12, east_name, east);
  ASSERT_TRUE(final_note);
  final_note = cosign_checkpoint(*final_note, west_name, west);
  ASSERT_TRUE(final_note);

  for (const auto& [name, key] :
       {std::pair{origin, &log_key}, std::pair{east_name, &east}, std::pair{west_name, &west}}) {
    auto cp = open_checkpoint(*final_note, verifier_of(name, *key), origin);
    ASSERT_TRUE(cp) << name << ": " << cp.error().message;
    EXPECT_EQ(cp->size, 12u);
    EXPECT_EQ(cp->root, tree.root());
  }
  // Cosigning twice does not add a line.
  auto twice = cosign_checkpoint(*final_note, west_name, west);
  ASSERT_TRUE(twice);
  EXPECT_EQ(*twice, *final_note);
  EXPECT_EQ(SignedNote::parse(*final_note)->signatures().size(), 3u);
}

TEST(Checkpoint, OpenRefusals) {
  const std::string origin = *meeting_origin("mtg_01");
  const auto log_key = key_from(1), other = key_from(9);
  MerkleTree tree = tree_of(3);
  const std::string note = *sign_checkpoint({origin, 3, tree.root(), {}}, origin, log_key);

  // Signature by another key: a verifier for it finds no line...
  EXPECT_EQ(open_checkpoint(note, verifier_of(origin, other), origin).error().code,
            "tlog_unsigned");
  // ...and a note signed by that other key under the log's name is not the log's.
  const std::string forged = *sign_checkpoint({origin, 3, tree.root(), {}}, origin, other);
  EXPECT_EQ(open_checkpoint(forged, verifier_of(origin, log_key), origin).error().code,
            "tlog_unsigned");
  // A line with the log's name and key ID but another key's signature.
  const std::string body = *format_checkpoint({origin, 3, tree.root(), {}});
  const NoteSignature good = SignedNote::parse(note)->signatures()[0];
  const NoteSignature bad = SignedNote::parse(forged)->signatures()[0];
  Bytes id_and_sig{
      static_cast<std::uint8_t>(good.key_id >> 24), static_cast<std::uint8_t>(good.key_id >> 16),
      static_cast<std::uint8_t>(good.key_id >> 8), static_cast<std::uint8_t>(good.key_id)};
  id_and_sig.insert(id_and_sig.end(), bad.signature.begin(), bad.signature.end());
  const std::string mixed =
      body + "\n\xE2\x80\x94 " + origin + " " + base64_encode(id_and_sig) + "\n";
  EXPECT_EQ(open_checkpoint(mixed, verifier_of(origin, log_key), origin).error().code,
            "tlog_bad_signature");

  // Modified body: another size, another root.
  std::string modified = note;
  modified.replace(origin.size() + 1, 1, "4");
  EXPECT_EQ(open_checkpoint(modified, verifier_of(origin, log_key), origin).error().code,
            "tlog_bad_signature");
  modified = note;
  const std::size_t root_at = origin.size() + 3;
  modified[root_at] = modified[root_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(open_checkpoint(modified, verifier_of(origin, log_key), origin).error().code,
            "tlog_bad_signature");

  // Another meeting's log.
  EXPECT_EQ(open_checkpoint(note, verifier_of(origin, log_key), "parley.example/meeting/mtg_02")
                .error()
                .code,
            "tlog_wrong_origin");
  // Not a note at all.
  EXPECT_EQ(open_checkpoint(body, verifier_of(origin, log_key), origin).error().code,
            "tlog_bad_note");
  // A signed note whose text is not a checkpoint.
  auto not_cp = SignedNote::from_text("hello\n");
  ASSERT_TRUE(not_cp->sign(origin, log_key));
  EXPECT_EQ(open_checkpoint(*not_cp->format(), verifier_of(origin, log_key), origin).error().code,
            "tlog_bad_checkpoint");
  EXPECT_EQ(cosign_checkpoint(*not_cp->format(), origin, other).error().code,
            "tlog_bad_checkpoint");
}

TEST(Checkpoint, BadText) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  const std::vector<std::string> bad = {
      "log\n5\n" + root,                // missing final newline
      "log\n5\n",                       // two lines
      "log\n5\n" + root + "\n\n",       // empty line
      "\n5\n" + root + "\n",            // empty origin
      "log\n5\n" + root + "\n\next\n",  // empty line before an extension
      "log\n05\n" + root + "\n",        // leading zero
      "log\n00\n" + root + "\n",
      "log\n-5\n" + root + "\n",  // not decimal
      "log\n+5\n" + root + "\n",
      "log\n 5\n" + root + "\n",
      "log\n5 \n" + root + "\n",
      "log\n0x10\n" + root + "\n",
      "log\n12a\n" + root + "\n",
      "log\n\xD9\xA5\n" + root + "\n",              // ARABIC-INDIC DIGIT FIVE
      "log\n18446744073709551616\n" + root + "\n",  // 2^64
      "log\n99999999999999999999\n" + root + "\n",
      "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",    // no padding
      "log\n5\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n",   // base64url
      "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n",   // trailing bits
      "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n",   // 31 bytes
      "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2IA\n",   // 33 bytes... and no padding
      "log\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2Ji\n",   // 33 bytes
      "log\n5\n CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",  // space
      "log\r\n5\n" + root + "\n",                                 // CR
      "log\n5\n" + root + "\n\x7f\x01\n",  // control character in an extension
      "l\xC3og\n5\n" + root + "\n",        // not UTF-8
  };
  for (std::size_t i = 0; i < bad.size(); ++i) {
    auto cp = parse_checkpoint(bad[i]);
    ASSERT_FALSE(cp) << "case " << i;
    EXPECT_EQ(cp.error().code, "tlog_bad_checkpoint") << "case " << i << ": " << cp.error().message;
  }
}

TEST(Checkpoint, SizesAndExtensions) {
  const std::string root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
  auto zero = parse_checkpoint("log\n0\n" + root + "\n");
  ASSERT_TRUE(zero);
  EXPECT_EQ(zero->size, 0u);
  auto max = parse_checkpoint("log\n18446744073709551615\n" + root + "\n");
  ASSERT_TRUE(max);
  EXPECT_EQ(max->size, 18446744073709551615u);
  const std::string with_ext = "log\n7\n" + root + "\nfirst extension\n\xE2\x80\x94 second\n";
  auto ext = parse_checkpoint(with_ext);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->extensions, (std::vector<std::string>{"first extension", "\xE2\x80\x94 second"}));
  EXPECT_EQ(*format_checkpoint(*ext), with_ext);

  std::string many = "log\n7\n" + root + "\n";
  for (int i = 0; i < 17; ++i) many += "x\n";
  EXPECT_EQ(parse_checkpoint(many).error().code, "tlog_too_large");
  EXPECT_TRUE(parse_checkpoint(many, CheckpointLimits{.max_bytes = 4096, .max_extensions = 17}));
  EXPECT_EQ(parse_checkpoint(std::string(5000, 'a') + "\n1\n" + root + "\n").error().code,
            "tlog_too_large");

  EXPECT_EQ(format_checkpoint({"", 1, {}, {}}).error().code, "tlog_bad_checkpoint");
  EXPECT_EQ(format_checkpoint({"two\nlines", 1, {}, {}}).error().code, "tlog_bad_checkpoint");
  EXPECT_EQ(format_checkpoint({"log", 1, {}, {""}}).error().code, "tlog_bad_checkpoint");
  EXPECT_EQ(format_checkpoint({"log", 1, {}, {"a\tb"}}).error().code, "tlog_bad_checkpoint");
  const Checkpoint round{"log", 42, leaf_hash({}), {"ext"}};
  EXPECT_EQ(*parse_checkpoint(*format_checkpoint(round)), round);
}

}  // namespace
}  // namespace parley::tlog
