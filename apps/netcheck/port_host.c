/* The hostbuild listens on the host itself (the launcher passes --port). */
const int netcheck_default_port = 8080;
