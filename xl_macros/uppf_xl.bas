Attribute VB_Name = "uppf_xl"
' uppf-xl: knapparna på fliken Uppföljning.
' Every button of the ribbon calls OnRibbonAction; its tag names the Python entry function,
' so adding a button needs no new VBA. RunPython comes from the xlwings module of this project.
Option Explicit

Public Sub OnRibbonAction(control As IRibbonControl)
    RunPython "import uppf_xl.excel as x; x.run('" & control.Tag & "')"
End Sub
