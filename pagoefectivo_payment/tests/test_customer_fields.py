from odoo.tests import TransactionCase, tagged

from ..tools.customer_fields import customer_fields, split_name


@tagged("post_install", "-at_install")
class TestCustomerFields(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.peru = cls.env.ref("base.pe")

    def _partner(self, **values):
        return self.env["res.partner"].create(
            {"name": "Rosa María Quispe Mamani", "country_id": self.peru.id, **values}
        )

    def test_peruvian_names_keep_two_surnames(self):
        self.assertEqual(
            split_name("Rosa María Quispe Mamani"), ("Rosa María", "Quispe Mamani")
        )
        self.assertEqual(split_name("Luis Torres Vega"), ("Luis", "Torres Vega"))
        self.assertEqual(split_name("Luis Torres"), ("Luis", "Torres"))
        self.assertEqual(split_name("Cher"), ("Cher", ""))
        self.assertEqual(split_name("  "), ("", ""))

    def test_document_types_follow_the_identification_type(self):
        cases = {
            "l10n_pe.it_DNI": ("45678912", "DNI"),
            "l10n_latam_base.it_pass": ("AB123456", "PAS"),
            "l10n_latam_base.it_fid": ("001234567", "NAN"),  # carnet de extranjería
            "l10n_pe.it_RUC": ("20100070970", "NAN"),
        }
        for xmlid, (number, expected) in cases.items():
            partner = self._partner(
                l10n_latam_identification_type_id=self.env.ref(xmlid).id, vat=number
            )
            fields = customer_fields(partner, "rosa@example.pe")
            self.assertEqual(fields["userDocumentType"], expected, xmlid)
            self.assertEqual(fields["userDocumentNumber"], number, xmlid)

    def test_company_name_is_not_split_and_long_values_are_cut(self):
        partner = self._partner(
            name="Distribuidora de Abarrotes del Norte Sociedad Anónima Cerrada",
            is_company=True,
        )
        fields = customer_fields(partner, "x" * 120 + "@example.pe")
        self.assertEqual(fields["userName"], partner.name[:30])
        self.assertNotIn("userLastName", fields)
        self.assertEqual(len(fields["userEmail"]), 100)

    def test_ubigeo_and_phone(self):
        partner = self._partner(
            l10n_pe_district=self.env.ref("l10n_pe.district_pe_040101").id,
            phone="(01) 234-5678",
        )
        fields = customer_fields(partner, "rosa@example.pe")
        self.assertEqual(fields["userUbigeo"], "040101")
        self.assertEqual(fields["userCodeCountry"], "+51")
        self.assertEqual(fields["userPhone"], "012345678")
        self.assertEqual(fields["userCountry"], "PERU")

    def test_missing_data_is_left_out(self):
        partner = self.env["res.partner"].create({"name": "Anónimo"})
        self.assertEqual(
            customer_fields(partner, "a@example.pe"),
            {"userEmail": "a@example.pe", "userName": "Anónimo"},
        )
