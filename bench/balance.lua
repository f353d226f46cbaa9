-- wrk script: GET balance with the bearer token from the environment.
wrk.method = "GET"
wrk.path = "/v1/core-banking/balance?account_id=acc-456"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("CENTLI_TOKEN")
