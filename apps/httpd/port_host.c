/* The hostbuild listens on the host itself: an unprivileged port. */
const int httpd_default_port = 8080;
