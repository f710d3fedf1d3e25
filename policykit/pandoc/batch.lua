-- Convert many documents in one pandoc process: start-up dominates the cost of a
-- conversion, so policykit hands pandoc a list of jobs instead of one process per output.
-- Each input is read once; every format is written from the same parsed document.
--   pandoc lua batch.lua jobs.json
local function slurp(path)
  local f = assert(io.open(path, 'rb'))
  local text = f:read('a')
  f:close()
  return text
end

local function spit(path, text)
  local f = assert(io.open(path, 'wb'))
  f:write(text)
  f:close()
end

-- One rule for links, images and attributes, on the parsed tree of every document policykit
-- converts, whatever Markdown syntax made them (inline, reference, collapsed, shortcut, autolink,
-- or assembled by a template): a link goes only to a web page (http:, https:), an email address
-- (mailto:) or a place in the same document (#id), else it is its text alone; an image is its
-- description (policykit adds the logo itself, after this, from its own settings), so pandoc
-- never fetches a URL or reads a file; no attribute runs code or reaches elsewhere.
local SCHEMES = {['http:'] = true, ['https:'] = true, ['mailto:'] = true}
-- attributes: an allow-list, each of a plain shape. lang and dir say what language a phrase is
-- in; the rest are the redline's own vocabulary (a Word style, a clause id, a tracked change's
-- author and date, a moved clause): none runs code, reaches a file or a URL, or styles text by
-- hand (style=, typst:*=, on*=, href= all go). validate lets clause text use lang and dir only.
local KEPT = {lang = '^[%a][%w-]*$', dir = '^[%a]+$', ['custom-style'] = '^[%w %-]+$',
              ['data-clause'] = '^[%w._-]+$', clause = '^[%w._-]+$', same = '^[01]$',
              author = '^[^<>&"]*$', date = '^[%dTZ:.+-]+$', to = '^[^<>&"]*$', title = '^[^<>&"]*$'}

local function safe_target(target)
  if target:sub(1, 1) == '#' then return true end
  local scheme = target:match('^%s*([%a][%w+.-]*:)')
  return scheme ~= nil and SCHEMES[scheme:lower()] == true
end

local function clean(el)
  if el.attr then
    local kept = {}
    for key, value in pairs(el.attributes) do
      local shape = KEPT[key:lower()]
      if shape and tostring(value):match(shape) then
        kept[key] = value
      end
    end
    el.attributes = kept
  end
  return el
end

local sanitize = {
  Link = function(el)
    if not safe_target(el.target) then return pandoc.Span(el.content) end
    return clean(el)
  end,
  Image = function(el) return pandoc.Span(el.caption) end,
  Span = clean, Div = clean, Header = clean, Code = clean, CodeBlock = clean, Table = clean,
}

local jobs = pandoc.json.decode(slurp(arg[1]), false)
-- cover, contents and running header per format: see layout.lua beside this script
local layout = dofile(pandoc.path.join{pandoc.path.directory(arg[0]), 'layout.lua'}).layout
-- bare email and web addresses become links (mailto:, http:, https: only): see links.lua
local linkify = dofile(pandoc.path.join{pandoc.path.directory(arg[0]), 'links.lua'}).linkify
local templates = {}
local failures = {}

for _, job in ipairs(jobs.jobs) do
  local ok, err = pcall(function()
    local doc = pandoc.read(slurp(job.input), jobs.reader):walk(sanitize)
    doc.blocks = linkify(doc.blocks)
    for _, out in ipairs(job.outputs) do
      local opts = {
        number_sections = out.number_sections or false,
        table_of_contents = out.toc or false,
        toc_depth = out.toc_depth or 2,
        variables = out.variables or {},
      }
      if out.template then
        templates[out.template] = templates[out.template] or pandoc.template.compile(slurp(out.template), out.template)
        opts.template = templates[out.template]
      end
      if out.reference_doc then
        opts.reference_doc = out.reference_doc
      end
      spit(out.path, pandoc.write(layout(doc:clone(), out.format, opts.variables), out.format, opts))
    end
  end)
  if not ok then
    table.insert(failures, job.input .. '\t' .. tostring(err):gsub('[\r\n]+', ' '))
  end
end

spit(jobs.report, table.concat(failures, '\n'))
