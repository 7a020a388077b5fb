-- bench/ports' Lua workload: fixed, CPU-bound, no I/O but its last lines.
-- Three kinds of work an interpreter spends its time on: floating-point
-- loops (spectral norm), allocation and garbage collection (binary trees),
-- and strings (building, formatting, matching, hashing into a table).
-- It prints a checksum of what it computed, so a wrong answer shows, and
-- its own CPU time (os.clock) around the work.
local N = tonumber(arg and arg[1]) or 1

local function A(i, j)
  local ij = i + j - 1
  return 1.0 / (ij * (ij - 1) * 0.5 + i)
end

local function Av(x, y, n)
  for i = 1, n do
    local a = 0
    for j = 1, n do a = a + x[j] * A(i, j) end
    y[i] = a
  end
end

local function Atv(x, y, n)
  for i = 1, n do
    local a = 0
    for j = 1, n do a = a + x[j] * A(j, i) end
    y[i] = a
  end
end

local function spectral(n)
  local u, v, t = {}, {}, {}
  for i = 1, n do u[i] = 1 end
  for _ = 1, 10 do
    Av(u, t, n); Atv(t, v, n)
    Av(v, t, n); Atv(t, u, n)
  end
  local vBv, vv = 0, 0
  for i = 1, n do
    local ui, vi = u[i], v[i]
    vBv = vBv + ui * vi
    vv = vv + vi * vi
  end
  return math.sqrt(vBv / vv)
end

local function tree(d)
  if d == 0 then return {} end
  d = d - 1
  return { tree(d), tree(d) }
end

local function check(t)
  if t[1] then return 1 + check(t[1]) + check(t[2]) end
  return 1
end

local function trees(maxd)
  local sum = 0
  local long = tree(maxd)
  for d = 4, maxd, 2 do
    local iters = 1 << (maxd - d + 4)
    for _ = 1, iters do sum = sum + check(tree(d)) end
  end
  return sum + check(long)
end

local function strings(n)
  local counts, parts = {}, {}
  for i = 1, n do
    local s = string.format('key-%d-%x', i % 997, i * 2654435761 % 4294967296)
    local k = s:match('^key%-(%d+)%-')
    counts[k] = (counts[k] or 0) + #s
    parts[#parts + 1] = s:upper():sub(1, 6)
    if #parts == 64 then parts = { table.concat(parts, ',') :gsub('KEY', 'k') } end
  end
  local total = 0
  for _, v in pairs(counts) do total = total + v end
  return total + #parts[1]
end

-- A line before the work: the harness times the span between it and the
-- last line as the host sees them on the console, a clock of neither guest.
print('lucent-bench lua begin')
io.stdout:flush()
local t0 = os.clock()
local sn, bt, st = 0, 0, 0
for _ = 1, N do
  sn = spectral(64)
  bt = bt + trees(10)
  st = st + strings(20000)
end
local cpu = os.clock() - t0
print(string.format('spectral-norm %.9f', sn))
print(string.format('binary-trees %d', bt))
print(string.format('strings %d', st))
print(string.format('lucent-bench lua cpu=%.3f', cpu))
