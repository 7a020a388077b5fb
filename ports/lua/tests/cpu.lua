-- A CPU-bound script with one line of results: integer loops and tables (a
-- sieve), floating point (a partial sum of 1/k^2, printed to 12 places) and
-- strings (a hash over string.format). The test computes the same in Python
-- and runs it in both builds.
local N, K, H = 200000, 1000000, 50000
local composite, count, sum = {}, 0, 0
for i = 2, N do
  if not composite[i] then
    count, sum = count + 1, sum + i
    for j = i * i, N, i do composite[j] = true end
  end
end
local s = 0.0
for k = 1, K do s = s + 1.0 / (k * k) end
local h = 0
for k = 1, H do h = (h * 31 + #string.format("%d:%x", k, k * 7)) % 1000000007 end
print(count, sum, string.format("%.12f", s), h)
