#include "media/dtls.h"

#include "common/encoding.h"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <vector>

namespace parley::media {

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  char buf[256] = "unknown OpenSSL error";
  if (e) ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// The peer's certificate is self-signed: the chain is not what is checked,
// the fingerprint is (after the handshake, against the SDP).
int accept_any_certificate(int, X509_STORE_CTX*) { return 1; }

// An output BIO that keeps each write as one datagram. A memory BIO would
// join the records of a flight into one byte stream, and a flight that
// OpenSSL split to fit the MTU (the certificate) would leave as one datagram
// too big for the path.
int outbox_write(BIO* b, const char* data, int len) {
  auto* box = static_cast<std::vector<std::vector<std::uint8_t>>*>(BIO_get_data(b));
  box->emplace_back(reinterpret_cast<const std::uint8_t*>(data), reinterpret_cast<const std::uint8_t*>(data) + len);
  return len;
}

long outbox_ctrl(BIO*, int cmd, long, void*) {
  // FLUSH succeeds; everything else (MTU queries, pending counts) is
  // "not supported", which makes OpenSSL use the MTU set on the SSL.
  return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

int outbox_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

BIO_METHOD* outbox_method() {
  static BIO_METHOD* m = [] {
    BIO_METHOD* meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "parley-dtls-outbox");
    BIO_meth_set_write(meth, outbox_write);
    BIO_meth_set_ctrl(meth, outbox_ctrl);
    BIO_meth_set_create(meth, outbox_create);
    return meth;
  }();
  return m;
}

std::string normalise_fingerprint(std::string f) {
  std::transform(f.begin(), f.end(), f.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return f;
}

}  // namespace

std::string_view srtp_profile_name(SrtpProfile p) {
  return p == SrtpProfile::aead_aes_128_gcm ? "SRTP_AEAD_AES_128_GCM" : "SRTP_AES128_CM_SHA1_80";
}

std::string fingerprint_text_sha256(std::span<const std::uint8_t> der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(der.data(), der.size(), md, &len, EVP_sha256(), nullptr);
  return fingerprint_text({md, len});
}

Expected<std::shared_ptr<DtlsContext>> DtlsContext::create() {
  std::shared_ptr<DtlsContext> c(new DtlsContext());
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) return make_error("media_dtls", "cannot generate the DTLS key: " + openssl_error());
  X509* cert = X509_new();
  // A random serial and a 30-day validity: the certificate lives as long as
  // the process and is authenticated by its fingerprint alone.
  ASN1_INTEGER* serial = X509_get_serialNumber(cert);
  std::uint8_t rnd[8];
  RAND_bytes(rnd, sizeof rnd);
  ASN1_INTEGER_set_uint64(serial, (static_cast<std::uint64_t>(rnd[0] & 0x7f) << 56) | (std::uint64_t(rnd[1]) << 48) |
                                      (std::uint64_t(rnd[2]) << 40) | (std::uint64_t(rnd[3]) << 32) |
                                      (std::uint64_t(rnd[4]) << 24) | (std::uint64_t(rnd[5]) << 16) |
                                      (std::uint64_t(rnd[6]) << 8) | rnd[7]);
  X509_gmtime_adj(X509_getm_notBefore(cert), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("parleyd"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  if (!X509_sign(cert, key, EVP_sha256())) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return make_error("media_dtls", "cannot sign the DTLS certificate: " + openssl_error());
  }
  c->ctx_ = SSL_CTX_new(DTLS_method());
  SSL_CTX_set_min_proto_version(c->ctx_, DTLS1_2_VERSION);
  SSL_CTX_use_certificate(c->ctx_, cert);
  SSL_CTX_use_PrivateKey(c->ctx_, key);
  SSL_CTX_set_verify(c->ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any_certificate);
  // RFC 5764 §4.1.2; AEAD first: several times cheaper per packet here
  // (TESTING-NOTES: SRTP cost). Returns 0 on success.
  if (SSL_CTX_set_tlsext_use_srtp(c->ctx_, "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80") != 0) {
    X509_free(cert);
    EVP_PKEY_free(key);
    return make_error("media_dtls", "OpenSSL does not offer DTLS-SRTP: " + openssl_error());
  }
  SSL_CTX_set_cipher_list(c->ctx_, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305");
  SSL_CTX_set_read_ahead(c->ctx_, 1);
  unsigned char* der = nullptr;
  int der_len = i2d_X509(cert, &der);
  c->fingerprint_ = fingerprint_text_sha256({der, static_cast<std::size_t>(der_len)});
  OPENSSL_free(der);
  X509_free(cert);
  EVP_PKEY_free(key);
  return c;
}

DtlsContext::~DtlsContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

Expected<std::unique_ptr<DtlsSession>> DtlsSession::create(std::shared_ptr<DtlsContext> ctx, Role role,
                                                           std::string peer_fingerprint) {
  std::unique_ptr<DtlsSession> s(new DtlsSession());
  s->ctx_ = std::move(ctx);
  s->role_ = role;
  s->peer_fingerprint_ = normalise_fingerprint(std::move(peer_fingerprint));
  s->ssl_ = SSL_new(s->ctx_->ctx());
  if (!s->ssl_) return make_error("media_dtls", "cannot create a DTLS session: " + openssl_error());
  s->in_ = BIO_new(BIO_s_mem());
  s->out_ = BIO_new(outbox_method());
  BIO_set_data(s->out_, &s->outbox_);
  // Empty reads are "try again", not end of file.
  BIO_set_mem_eof_return(s->in_, -1);
  SSL_set_bio(s->ssl_, s->in_, s->out_);  // the SSL owns both BIOs now
  // Path MTU for WebRTC over the Internet: handshake flights are split to
  // fit (certificates are the big part).
  SSL_set_options(s->ssl_, SSL_OP_NO_QUERY_MTU);
  SSL_set_mtu(s->ssl_, 1200);
  if (role == Role::server) SSL_set_accept_state(s->ssl_);
  else SSL_set_connect_state(s->ssl_);
  return s;
}

DtlsSession::~DtlsSession() {
  if (ssl_) SSL_free(ssl_);
}

void DtlsSession::fail(std::string why) {
  state_ = State::failed;
  error_ = std::move(why);
}

void DtlsSession::flush(const Send& send) {
  for (const auto& d : outbox_) send(d);
  outbox_.clear();
}

void DtlsSession::start(const Send& send) {
  if (role_ == Role::client) drive(send);
}

void DtlsSession::drive(const Send& send) {
  if (state_ != State::handshaking) return;
  int r = SSL_do_handshake(ssl_);
  flush(send);
  if (r == 1) return finish();
  int err = SSL_get_error(ssl_, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
  fail("DTLS handshake failed: " + openssl_error());
}

void DtlsSession::finish() {
  X509* peer = SSL_get1_peer_certificate(ssl_);
  if (!peer) return fail("the peer presented no certificate");
  unsigned char* der = nullptr;
  int der_len = i2d_X509(peer, &der);
  std::string fp = fingerprint_text_sha256({der, static_cast<std::size_t>(der_len)});
  OPENSSL_free(der);
  X509_free(peer);
  if (fp != peer_fingerprint_) return fail("the peer's certificate does not match the fingerprint in its SDP");

  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl_);
  if (!profile) return fail("no SRTP profile was negotiated");
  if (profile->id == SRTP_AEAD_AES_128_GCM) {
    keys_.profile = SrtpProfile::aead_aes_128_gcm;
    keys_.salt_len = 12;
  } else if (profile->id == SRTP_AES128_CM_SHA1_80) {
    keys_.profile = SrtpProfile::aes128_cm_sha1_80;
    keys_.salt_len = 14;
  } else {
    return fail("unsupported SRTP profile " + std::string(profile->name));
  }
  keys_.key_len = 16;
  // RFC 5764 §4.2: client key, server key, client salt, server salt.
  const std::size_t k = keys_.key_len, s = keys_.salt_len;
  std::uint8_t material[2 * (16 + 14)];
  static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
  if (SSL_export_keying_material(ssl_, material, 2 * (k + s), kLabel, sizeof kLabel - 1, nullptr, 0, 0) != 1)
    return fail("cannot export the SRTP keys: " + openssl_error());
  const std::uint8_t* client_key = material;
  const std::uint8_t* server_key = material + k;
  const std::uint8_t* client_salt = material + 2 * k;
  const std::uint8_t* server_salt = material + 2 * k + s;
  bool server = role_ == Role::server;
  std::copy_n(server ? server_key : client_key, k, keys_.local.begin());
  std::copy_n(server ? server_salt : client_salt, s, keys_.local.begin() + k);
  std::copy_n(server ? client_key : server_key, k, keys_.remote.begin());
  std::copy_n(server ? client_salt : server_salt, s, keys_.remote.begin() + k);
  state_ = State::connected;
}

void DtlsSession::on_datagram(std::span<const std::uint8_t> datagram, const Send& send) {
  if (state_ == State::failed || state_ == State::closed) return;
  BIO_write(in_, datagram.data(), static_cast<int>(datagram.size()));
  if (state_ == State::handshaking) return drive(send);
  // Connected: the only records left are alerts (close_notify) or a
  // retransmitted final flight of the peer, which SSL_read answers.
  std::uint8_t sink[2048];
  int r = SSL_read(ssl_, sink, sizeof sink);
  flush(send);
  if (r <= 0) {
    int err = SSL_get_error(ssl_, r);
    if (err == SSL_ERROR_ZERO_RETURN) state_ = State::closed;
    else if (err != SSL_ERROR_WANT_READ) fail("DTLS error: " + openssl_error());
  }
}

void DtlsSession::on_timer(const Send& send) {
  if (state_ != State::handshaking) return;
  if (DTLSv1_handle_timeout(ssl_) < 0) return fail("DTLS handshake timed out");
  flush(send);
}

}  // namespace parley::media
