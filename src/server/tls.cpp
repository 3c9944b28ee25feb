#include "server/tls.h"

#include "common/encoding.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>
#include <memory>

namespace parley::server {
namespace {

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

Error tls_error(const std::string& what) { return make_error("tls_unavailable", what); }

}  // namespace

Expected<TlsFiles> ensure_self_signed(const std::filesystem::path& dir, const std::string& host) {
  TlsFiles files{dir / "tls-cert.pem", dir / "tls-key.pem"};
  if (std::filesystem::exists(files.cert) && std::filesystem::exists(files.key)) return files;

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) return tls_error("cannot generate an EC key");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(std::time(nullptr)));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = (host.find_first_not_of("0123456789.:") == std::string::npos ? "IP:" : "DNS:") + host;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) return tls_error("cannot sign the certificate");

  auto old = umask(077);
  File kf(std::fopen(files.key.c_str(), "wx"));
  umask(old);
  if (!kf || !PEM_write_PrivateKey(kf.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr))
    return tls_error("cannot write " + files.key.string());
  File cf(std::fopen(files.cert.c_str(), "wx"));
  if (!cf || !PEM_write_X509(cf.get(), cert.get())) return tls_error("cannot write " + files.cert.string());
  return files;
}

Expected<std::string> certificate_fingerprint(const std::filesystem::path& path) {
  File f(std::fopen(path.c_str(), "r"));
  if (!f) return tls_error("cannot read " + path.string());
  std::unique_ptr<X509, decltype(&X509_free)> cert(PEM_read_X509(f.get(), nullptr, nullptr, nullptr), X509_free);
  if (!cert) return tls_error(path.string() + " is not a PEM certificate");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  X509_digest(cert.get(), EVP_sha256(), md, &len);
  return fingerprint_text({md, len});
}

}  // namespace parley::server
