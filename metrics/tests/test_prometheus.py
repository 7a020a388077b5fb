"""A real Prometheus scrapes the demo app through `lucent run --metrics`:
the request count the test drives over lucent.test arrives, exactly."""

from metricslib import App, Channel, Prometheus, lulib

REQUESTS = 37


def main():
    app = App()
    prom = None
    try:
        target = app.url.split('/')[2]
        prom = Prometheus(target)
        # New targets reach the scraper only every few seconds: poll up{}.
        prom.wait_value('up{job="lucent"}', 1.0, 40)
        prom.wait_value('lucent_bridge_guest_up', 1.0, 20)
        lulib.check(True, 'prometheus scrapes the bridge and the guest is up')

        ch = Channel(app.socket('lucent.test'))
        for i in range(REQUESTS):
            ch.send(b'GET /missing\n' if i % 5 == 0 else (b'POST /x\n' if i % 3 == 0 else b'GET /\n'))
            lulib.check(ch.read_line() == f'ok {i + 1}', f'request {i + 1} acknowledged') if i == REQUESTS - 1 \
                else ch.read_line()
        ch.close()

        prom.wait_value('sum(demo_requests_total)', float(REQUESTS), 30)
        lulib.check(True, f'sum(demo_requests_total) reached {REQUESTS} in Prometheus')
        want_404 = float(len([i for i in range(REQUESTS) if i % 5 == 0]))
        lulib.check(prom.value('demo_requests_total{code="404"}') == want_404, f'{want_404:g} of them were 404s')
        lulib.check(prom.value('demo_request_duration_seconds_count') == float(REQUESTS),
                    'the latency histogram counted every request')
        lulib.check(prom.value('histogram_quantile(0.5, rate(demo_request_duration_seconds_bucket[1m]))') is not None,
                    'histogram_quantile works on the buckets')
        lulib.check(prom.value('lucent_uptime_seconds') > 0, 'built-in metrics arrive (uptime)')
        lulib.check(prom.value('sum(lucent_threads)') >= 2, 'threads are counted (main + server)')
    finally:
        if prom:
            prom.stop()
        app.stop()


if __name__ == '__main__':
    main()
