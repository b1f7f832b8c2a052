# Sourced by the benchmark scripts: the relais.toml they run relaisd with.
# relais_toml DIR CARRIERS CREDENTIALS SANDBOX_URL prints a configuration whose state, spool
# and socket are in DIR, with the shipped policies and one site (the Lyon warehouse).
relais_toml() {
  cat <<TOML
[paths]
state = "$1/state"
spool = "$1/spool"
carriers = "$2"
policies = "$PWD/policies"
socket = "$1/relais.sock"

[booking]
credentials = "$3"
sandbox_url = "$4"

[[site]]
id = "lyon-dc"
country = "FR"
postcode = "69007"
lat = 45.7323
lon = 4.8283
TOML
}
