-- Redlines, one pandoc process per step (start-up dominates; see batch.lua):
--   pandoc lua redline.lua request.json
-- request: {mode = "parse" | "write", format = "<pandoc format>", items = [...], out = "<path>"}
--   parse: items are Markdown texts; out gets a JSON list of pandoc JSON documents
--   write: items are JSON lists of pandoc blocks; out gets a JSON list of Markdown texts
-- policykit diffs the parsed documents (not the Markdown source), so a change never
-- splits an escape, inline markup or an email or web address; the redline is written back as
-- Markdown for outputs/pandoc.py.
local function slurp(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

local request = pandoc.json.decode(slurp(arg[1]), false)
-- addresses are links before the texts are compared, as the build makes them (links.lua): a
-- changed address is one link out and another in, never a change inside a word of one
local linkify = dofile(pandoc.path.join{pandoc.path.directory(arg[0]), 'links.lua'}).linkify
local api = '[' .. (tostring(PANDOC_API_VERSION):gsub('%.', ',')) .. ']'

local results = {}
for i, item in ipairs(request.items) do
  if request.mode == 'parse' then
    local doc = pandoc.read(item, request.format)
    doc.blocks = linkify(doc.blocks)
    results[i] = pandoc.write(doc, 'json')
  else
    -- no wrapping: a line break in a table row or at a span edge would change the text
    local doc = pandoc.read('{"pandoc-api-version":' .. api .. ',"meta":{},"blocks":' .. item .. '}', 'json')
    results[i] = pandoc.write(doc, request.format, {wrap_text = 'wrap-none'})
  end
end
local f = assert(io.open(request.out, 'wb'))
f:write(pandoc.json.encode(results))
f:close()
