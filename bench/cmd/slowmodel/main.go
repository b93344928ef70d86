// Command slowmodel is an OpenAI-compatible Chat Completions endpoint that
// answers every request with a slow stream (one text chunk per interval),
// so that the streams scenario can hold many turns open at once.
//
// With -tls-cert FILE it serves HTTPS (HTTP/2, as api.openai.com does) with
// a fresh self-signed certificate for 127.0.0.1 written to FILE; start the
// server under test with SSL_CERT_FILE=FILE so that it trusts it.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	chunks := flag.Int("chunks", 20, "text chunks per reply")
	interval := flag.Duration("interval", time.Second, "pause between chunks")
	certOut := flag.String("tls-cert", "", "serve HTTPS/HTTP2 with a self-signed certificate written to this file")
	flag.Parse()
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		fl, _ := w.(http.Flusher)
		send := func(v any) bool {
			b, _ := json.Marshal(v)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
				return false
			}
			if fl != nil {
				fl.Flush()
			}
			return true
		}
		chunk := func(delta map[string]any, finish any) map[string]any {
			return map[string]any{"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": time.Now().Unix(),
				"model": "gpt-4.1", "choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
		}
		if !send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
			return
		}
		for i := 0; i < *chunks; i++ {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(*interval):
			}
			if !send(chunk(map[string]any{"content": fmt.Sprintf("word%d ", i)}, nil)) {
				return
			}
		}
		send(chunk(map[string]any{}, "stop"))
		send(map[string]any{"id": "chatcmpl-slow", "object": "chat.completion.chunk", "created": time.Now().Unix(),
			"model": "gpt-4.1", "choices": []any{}, "usage": map[string]any{"prompt_tokens": 10, "completion_tokens": *chunks, "total_tokens": 10 + *chunks}})
		_, _ = io.WriteString(w, "data: [DONE]\n\n")
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		HTTP2: &http.HTTP2Config{MaxConcurrentStreams: 1000}}
	var err error
	if *certOut != "" {
		var cert tls.Certificate
		if cert, err = selfSigned(*certOut); err == nil {
			srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			err = srv.ListenAndServeTLS("", "")
		}
	} else {
		err = srv.ListenAndServe()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "slowmodel:", err)
		os.Exit(1)
	}
}

// selfSigned makes a certificate for 127.0.0.1 and writes it (PEM) to path.
func selfSigned(path string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "slowmodel"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
