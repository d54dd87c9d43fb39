def migrate(cr, version):
    """The single difference account became a gain and a loss account: keep
    what clearing journals had, so that their imports are not refused."""
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = 'account_journal'
              AND column_name = 'pagoefectivo_writeoff_account_id'"""
    )
    if not cr.fetchone():
        return
    cr.execute(
        """UPDATE account_journal
              SET pagoefectivo_gain_account_id = COALESCE(
                      pagoefectivo_gain_account_id, pagoefectivo_writeoff_account_id),
                  pagoefectivo_loss_account_id = COALESCE(
                      pagoefectivo_loss_account_id, pagoefectivo_writeoff_account_id)
            WHERE pagoefectivo_clearing"""
    )
