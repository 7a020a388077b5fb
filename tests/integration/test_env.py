"""The app's environment: `lucent run --env K=V` (and `--env K`, the
launcher's own value) in both builds, seen through getenv before main (in a
constructor) and in main, and setenv works on it; the image's default
environment (kernel/boot/args.c) when no --env overrides it."""
import os

from lulib import BUILD, check, run_app

os.environ['ENV_TEST_PASSED'] = 'from the launcher'
os.environ.pop('ENV_TEST_UNSET', None)
names = ['FOO', 'Q', 'HOME', 'ENV_TEST_PASSED', 'ENV_TEST_UNSET', 'EMPTY']
r = run_app('env-dump', *names, extra=['--env', 'FOO=bar', '--env', 'Q=a b "c" \\ = d', '--env', 'HOME=/custom',
                                       '--env', 'ENV_TEST_PASSED', '--env', 'ENV_TEST_UNSET', '--env', 'EMPTY='])
print(r.stdout, r.stderr)
out = r.stdout.splitlines()
check(r.returncode == 0, f'{BUILD}: env-dump ran (exit {r.returncode})')
check(out[1:] == ['FOO=bar', 'Q=a b "c" \\ = d', 'HOME=/custom', 'ENV_TEST_PASSED=from the launcher',
                  'ENV_TEST_UNSET unset', 'EMPTY=', 'setenv: ok'],
      f'{BUILD}: main sees --env K=V, K (the launcher\'s value), K= (empty), no unset K; setenv reads back')
check(out[0].startswith('early HOME=/custom PATH='), f'{BUILD}: a constructor sees the environment already')

if BUILD == 'image':
    r = run_app('env-dump', 'TERM', 'HOME', 'PATH', 'ENV_TEST_PASSED')
    check(r.stdout.splitlines() == ['early HOME=/ PATH=/bin', 'TERM=dumb', 'HOME=/', 'PATH=/bin',
                                    'ENV_TEST_PASSED unset', 'setenv: ok'],
          'image: the default environment, and nothing of the launcher\'s without --env')

r = run_app('env-dump', extra=['--env', '=x'])
check(r.returncode != 0 and "--env '=x': no variable name" in r.stderr and 'setenv' not in r.stdout,
      f'{BUILD}: --env without a name: clear error')
