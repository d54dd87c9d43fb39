UPDATE payment_provider
   SET pagoefectivo_access_key = 'dummyaccesskey',
       pagoefectivo_secret_key = 'dummysecretkey',
       pagoefectivo_previous_secret_key = NULL;
