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

local jobs = pandoc.json.decode(slurp(arg[1]), false)
-- cover, contents and running header per format: see layout.lua beside this script
local layout = dofile(pandoc.path.join{pandoc.path.directory(arg[0]), 'layout.lua'}).layout
local templates = {}
local failures = {}

for _, job in ipairs(jobs.jobs) do
  local ok, err = pcall(function()
    local doc = pandoc.read(slurp(job.input), jobs.reader)
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
